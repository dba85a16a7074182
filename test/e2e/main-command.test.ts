/**
 * The README's main command, as written in its first lines (only `--out` added), ends with a
 * real verdict: on the simulator with the real claude and opencode CLIs, c1 cuts the input
 * tokens of the summarise-doc task, and the report says "improved" for both runners.
 * Slow (24 cells of real CLIs: about 2 minutes on an idle 2-core machine, more when loaded);
 * no timing is asserted, the wall time is printed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from '../experiment/helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The main-job line of the README's first code block, without its comment. */
function readmeMainCommand(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const line = block.split('\n').find((l) => /\bagentab run-matrix\b/.test(l));
  assert.ok(line, 'the README opens with the run-matrix command');
  return line.replace(/#.*$/, '').trim().split(/\s+/);
}

describe('the README\'s main command', () => {
  test('ends with a verdict: c1 improves input tokens on summarise-doc for claude and opencode', { timeout: 30 * 60_000 }, async (t) => {
    const [npx, bin, ...args] = readmeMainCommand();
    assert.deepEqual([npx, bin], ['npx', 'agentab']);
    const out = tempDir();
    const t0 = performance.now();
    const r = await execa(process.execPath, [path.join(ROOT, 'bin', 'agentab.js'), ...args, '--out', out], { cwd: ROOT, reject: false, env: { CI: '1' } });
    t.diagnostic(`${args.join(' ')}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    assert.equal(r.exitCode, 0, r.stderr.slice(-4000));
    for (const runner of ['claude', 'opencode']) {
      const block = r.stdout.slice(r.stdout.indexOf(`c1 vs baseline (runner ${runner})`));
      assert.match(block, /- \*\*input tokens: improved\*\* -\d/, `${runner}: the printed verdict`);
    }
    const [experiment] = readdirSync(out);
    const [runId] = readdirSync(path.join(out, experiment!));
    const report = JSON.parse(readFileSync(path.join(out, experiment!, runId!, 'report.json'), 'utf8')) as {
      headlines: { runner: string; condition: string; metric: string; verdict: string; tasks: string[] }[];
    };
    for (const runner of ['claude', 'opencode']) {
      const h = report.headlines.find((x) => x.runner === runner && x.condition === 'c1' && x.metric === 'input');
      assert.equal(h?.verdict, 'improved', `${runner}: ${JSON.stringify(h)}`);
      assert.deepEqual(h?.tasks, ['summarise-doc']);
    }
  });
});
