/**
 * The end of `run-matrix`: the run's report (report.md, report.html, report.json, runs.csv) is written
 * into the run directory and its verdict section printed; a report that cannot be written is a
 * warning, not a failed run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { CALL_PROXY, FAST_SIM_PROXY, writeExperiment } from './helpers.ts';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));
const cliEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: '1' };

function cli(args: string[]) {
  return execa(process.execPath, ['--import', 'tsx', CLI, ...args], { env: cliEnv, extendEnv: false, reject: false, cwd: path.dirname(CLI) });
}

describe('run-matrix writes the run report', () => {
  test('report files in the run dir, verdicts on stdout; an unwritable report only warns', async () => {
    const x = writeExperiment(
      `name: rep
runners: [{ name: cmd, kind: command, command: 'node ${CALL_PROXY} $CALLS' }]
conditions:
  - name: baseline
    env: { CALLS: 1 }
  - name: more
    env: { CALLS: 2 }
tasks: tasks/*.yaml
reps: 2
concurrency: 2
${FAST_SIM_PROXY}`,
      { t1: 'prompt: p\ncheck: "true"\n' },
    );
    const first = await cli(['run-matrix', x.spec, '--out', x.out]);
    assert.equal(first.exitCode, 0, first.stderr);
    const [runId] = readdirSync(path.join(x.out, 'rep'));
    assert.ok(runId);
    const runDir = path.join(x.out, 'rep', runId);
    for (const f of ['report.md', 'report.html', 'report.json', 'runs.csv']) assert.ok(readdirSync(runDir).includes(f), `${f} written`);
    const runs = readFileSync(path.join(runDir, 'runs.csv'), 'utf8').trimEnd().split('\r\n');
    assert.equal(runs.length, 1 + 4, 'runs.csv: a header and one row per cell');
    assert.match(runs[0]!, /^run_id,cell,runner,.*,wall_s,model_s,.*,input_tokens,.*,cost_usd,/);
    const md = readFileSync(path.join(runDir, 'report.md'), 'utf8');
    const json = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { experiment: string; records: { total: number } };
    assert.equal(json.experiment, 'rep');
    assert.equal(json.records.total, 4);
    const html = readFileSync(path.join(runDir, 'report.html'), 'utf8');
    assert.ok(html.includes('<svg'));
    // every cell recorded a decomposition: where the time went, and each group's slowest cell drawn
    assert.match(md, /^## Where the time went$/m);
    assert.match(md, /^- more spends .* in the model \(.*\) than baseline\.$/m);
    assert.equal(html.split('<figure id="waterfall-').length - 1, 2, 'one waterfall per group (2 conditions × 1 task)');
    assert.equal((md.match(/^- cmd · (baseline|more) · t1: slowest of 2 runs/gm) ?? []).length, 2);

    // stdout: the tables, then the same verdict section as report.md (2 reps: too few for a verdict)
    const verdicts = first.stdout.slice(first.stdout.indexOf('## Verdicts'), first.stdout.indexOf('\n4/4 cells recorded'));
    // (~9: Holm over the 9 default headline metrics since tool and harness time joined them)
    assert.match(verdicts, /^- \*\*calls: inconclusive\*\* \+100% .* · passing runs, n=2 pairs · all 2 pairs \+100% · too few for any verdict: each task needs ≥ 6 pairs · ~9 pairs would call a true \+100%$/m);
    assert.match(verdicts, /^- \*\*success rate: no difference\*\* 2\/2 100%/m, "success comes first");
    assert.ok(md.includes(verdicts.trim()), 'the printed section is the report\'s');
    assert.ok(first.stdout.indexOf('## Verdicts') > first.stdout.indexOf('median wall'), 'after the per-cell tables');
    assert.match(first.stdout, /report: report\.md, report\.html, report\.json, runs\.csv in the results/);

    // A report that cannot be written (report.html is a directory) warns; the run still succeeds.
    rmSync(path.join(runDir, 'report.html'));
    mkdirSync(path.join(runDir, 'report.html'));
    const again = await cli(['run-matrix', '--resume', runDir]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stderr, /WARN {2}could not write the report: /);
    assert.match(again.stdout, /## Verdicts/);
    assert.match(again.stdout, /report with: agentab report /);
  });
});
