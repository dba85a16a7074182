/**
 * The real Claude Code and OpenCode CLIs (installed from npm) through run-matrix against the
 * simulator: the pilot's doc-reading task under both conditions. The checks must pass and
 * the minified doc (c1) must cost fewer input tokens than the pretty one (baseline).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { cellDir, runPaths } from '../../src/experiment/run-dir.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import { silentLogger } from '../../src/util/log.ts';
import { tempDir } from './helpers.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('real agent CLIs', () => {
  test('claude and opencode run summarise-doc under baseline and c1; c1 reads fewer input tokens', { timeout: 240_000 }, async () => {
    const spec = await loadExperiment(PILOT, { runners: ['claude', 'opencode'], conditions: ['baseline', 'c1'], tasks: ['summarise-doc'], reps: 1 });
    const r = await runMatrix({ spec, outRoot: tempDir(), env, log: silentLogger });
    assert.equal(r.records.length, 4);
    for (const rec of r.records) {
      assert.equal(rec.outcome, 'pass', `${rec.runner}/${rec.condition}: ${JSON.stringify(rec.runnerReported.error)}`);
      assert.match(rec.runnerVersion ?? '', /^\d+\.\d+\.\d+/);
      assert.ok(rec.calls >= 3, 'read, write and answer turns all went through the proxy');
      const summary = readFileSync(path.join(cellDir(r.runDir, rec.cell), 'transcript.jsonl'), 'utf8');
      assert.ok(summary.length > 0, 'the transcript was saved');
    }
    const spend = (await readSpendLog(runPaths(r.runDir).spend)).records;
    assert.ok(spend.every((s) => s.cell !== null && r.records.some((rec) => rec.cell === s.cell)), 'every call is attributed to a cell of the run');
    assert.ok(spend.every((s) => s.alias === 'shared-model'), 'no call escaped to another model');
    for (const runner of ['claude', 'opencode']) {
      const base = r.records.find((x) => x.runner === runner && x.condition === 'baseline')!;
      const c1 = r.records.find((x) => x.runner === runner && x.condition === 'c1')!;
      assert.ok(c1.usage.input < base.usage.input, `${runner}: c1 ${c1.usage.input} < baseline ${base.usage.input} input tokens`);
      assert.equal(base.runnerReported.tools && typeof base.runnerReported.tools, 'object');
    }
  });
});
