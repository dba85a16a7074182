/**
 * One run, one writer, through real `run-matrix` processes: two resumers of one run directory
 * (the second is refused, the records stay one per cell), `--resume` of an edited spec (refused
 * with what changed, unless --force), and `--retry failed` (only those cells again, as a new
 * attempt; the old records kept as history and out of the statistics).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readRecordsFile } from '../../src/experiment/records-store.ts';
import { runPaths } from '../../src/experiment/run-dir.ts';
import { agentabCli as agentab, CALL_PROXY, FAST_SIM_PROXY, tempDir, writeExperiment } from './helpers.ts';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: '1', HOME: process.env.HOME ?? '/tmp' };
const cli = (args: string[]) => execa(process.execPath, ['--import', 'tsx', CLI, ...args], { env, extendEnv: false, reject: false, cwd: path.dirname(CLI) });

describe('one run, one writer (real processes)', () => {
  test('two resumers at once: the second is refused naming the owner; every cell is recorded once and the report counts 12', async () => {
    const x = writeExperiment(
      `name: tworesumers
runners: [{ name: cmd, kind: command, command: 'sleep 0.3; node ${CALL_PROXY} 1' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 3
concurrency: 2
${FAST_SIM_PROXY}`,
      { t1: 'prompt: p\n', t2: 'prompt: p\n' },
    );
    const planned = await cli(['plan', x.spec, '--out', x.out, '--json']);
    assert.equal(planned.exitCode, 0, planned.stderr);
    const runDir = JSON.parse(planned.stdout).runDir as string;
    const first = cli(['run-matrix', '--resume', runDir, '--json']);
    const lock = path.join(runDir, 'run.lock');
    for (let i = 0; i < 1200 && !existsSync(lock); i++) await sleep(50);
    assert.ok(existsSync(lock), 'the first resumer holds the lock');
    const second = await cli(['run-matrix', '--resume', runDir, '--json']);
    assert.notEqual(second.exitCode, 0);
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    assert.match(second.stderr, new RegExp(`${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by pid ${owner.pid} on .*run-matrix --resume`));
    const done = await first;
    assert.equal(done.exitCode, 0, done.stderr);
    const f = await readRecordsFile(runPaths(runDir).records);
    assert.equal(f.records.length, 12);
    assert.equal(f.duplicates, 0);
    assert.ok(!existsSync(lock), 'the lock is released at the end');
    const report = await agentab(['report', runDir, '--json']);
    assert.equal(report.exitCode, 0, report.stderr);
    assert.equal(JSON.parse(report.stdout).records.total, 12);
  });

  test('--resume of an edited spec is refused with what changed; --force resumes with the new spec', async () => {
    const x = writeExperiment(
      `name: edited
runners: [{ name: cmd, kind: command, command: 'node ${CALL_PROXY} 1' }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
reps: 1
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\n' },
    );
    const first = await cli(['run-matrix', x.spec, '--out', x.out, '--json']);
    assert.equal(first.exitCode, 0, first.stderr);
    const runDir = JSON.parse(first.stdout).runDir as string;
    writeFileSync(x.spec, readFileSync(x.spec, 'utf8').replace(`${CALL_PROXY} 1'`, `${CALL_PROXY} 2'`).replace('reps: 1', 'reps: 2'));
    const refused = await cli(['run-matrix', '--resume', runDir]);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /the spec changed since this run started/);
    assert.match(refused.stderr, /reps: 1 → 2/);
    assert.match(refused.stderr, /runners\[0\]\.command: ".* 1" → ".* 2"/);
    assert.match(refused.stderr, /--force/);
    assert.equal((await readRecordsFile(runPaths(runDir).records)).records.length, 1, 'nothing ran');
    const forced = await cli(['run-matrix', '--resume', runDir, '--force', '--json']);
    assert.equal(forced.exitCode, 0, forced.stderr);
    const out = JSON.parse(forced.stdout) as { ran: number; records: { calls: number; rep: number }[] };
    assert.equal(out.ran, 1, 'only the new rep ran');
    // the first rep as recorded before the edit, the new one with the edited command
    assert.deepEqual([...out.records].sort((a, b) => a.rep - b.rep).map((r) => r.calls), [1, 2]);
  });

  test('--retry failed re-runs only the failed cells as attempt 2; the old records stay as history, out of the statistics, their spend reported', async () => {
    const mark = path.join(tempDir(), 'fixed');
    const x = writeExperiment(
      `name: retried
runners: [{ name: cmd, kind: command, command: 'node ${CALL_PROXY} 1' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 1
${FAST_SIM_PROXY}`,
      { ok: 'prompt: p\ncheck: "true"\n', flaky: `prompt: p\ncheck: test -f ${mark}\n` },
    );
    const first = await cli(['run-matrix', x.spec, '--out', x.out, '--json']);
    assert.equal(first.exitCode, 1, 'two cells failed');
    const runDir = JSON.parse(first.stdout).runDir as string;
    const failed = (JSON.parse(first.stdout).records as { cell: string; outcome: string; costUsd: number }[]).filter((r) => r.outcome === 'fail');
    assert.equal(failed.length, 2);
    writeFileSync(mark, '');
    const retried = await cli(['run-matrix', '--resume', runDir, '--retry', 'failed', '--json']);
    assert.equal(retried.exitCode, 0, retried.stderr);
    const out = JSON.parse(retried.stdout) as { ran: number; skipped: number; records: { cell: string; outcome: string; attempt?: number }[] };
    assert.equal(out.ran, 2);
    assert.equal(out.skipped, 2);
    for (const f of failed) {
      assert.deepEqual(out.records.filter((r) => r.cell === f.cell).map((r) => [r.outcome, r.attempt]), [['pass', 2]]);
      assert.ok(existsSync(path.join(runDir, 'history', f.cell, 'attempt-1', 'check.log')), 'the first attempt\'s logs kept');
    }
    const file = await readRecordsFile(runPaths(runDir).records);
    assert.deepEqual(file.superseded.map((r) => r.outcome), ['fail', 'fail'], 'the old records stay in records.jsonl');
    const report = JSON.parse((await agentab(['report', runDir, '--json'])).stdout);
    assert.equal(report.records.total, 4, 'the statistics use the latest attempt of each cell');
    assert.equal(report.uncounted.retried.attempts, 2);
    assert.ok(Math.abs(report.uncounted.retried.costUsd - failed.reduce((a, r) => a + r.costUsd, 0)) < 1e-12);
  });
});
