/**
 * Nothing is lost on interruption, end to end through the real `agentab` CLI: after kill -9 of
 * run-matrix, `agentab clean` kills the cells' process groups (the agent-like child and its tool
 * grandchild), removes the staging dirs and marks the run killed; `agentab report` shows the spend
 * of the attempts the kill cut off (equal to their lines in spend.jsonl); `--resume` keeps them as
 * history. After Ctrl-C, the manifest says canceled and when, and the report shows the canceled
 * attempts' spend.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { readRecordsFile } from '../../src/experiment/records-store.ts';
import { runPaths } from '../../src/experiment/run-dir.ts';
import { agentabCli as agentab, alive, CALL_PROXY, FAST_SIM_PROXY, tempDir, waitFor, writeExperiment } from './helpers.ts';

/** The waits here cover whole runs of real processes. */
const WAIT_MS = 90_000;

interface SpendLine {
  cell: string | null;
  endpoint: string;
  usage: { input: number; output: number };
  costUsd: number | null;
}

const spendLines = (runDir: string): SpendLine[] =>
  existsSync(runPaths(runDir).spend)
    ? readFileSync(runPaths(runDir).spend, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as SpendLine)
    : [];

/** What the report must show for these lines: their model calls' sums. */
function sums(lines: SpendLine[]) {
  const calls = lines.filter((l) => l.cell !== null && l.endpoint === 'chat');
  return {
    cells: new Set(calls.map((l) => l.cell)).size,
    calls: calls.length,
    input: calls.reduce((a, l) => a + l.usage.input, 0),
    output: calls.reduce((a, l) => a + l.usage.output, 0),
    costUsd: calls.reduce((a, l) => a + (l.costUsd ?? 0), 0),
  };
}

interface Totals {
  attempts: number;
  calls: number;
  input: number;
  output: number;
  costUsd: number;
}

function assertTotals(actual: Totals, expected: ReturnType<typeof sums>, what: string): void {
  assert.equal(actual.attempts, expected.cells, `${what}: attempts`);
  assert.equal(actual.calls, expected.calls, `${what}: calls`);
  assert.equal(actual.input, expected.input, `${what}: input tokens`);
  assert.equal(actual.output, expected.output, `${what}: output tokens`);
  assert.ok(Math.abs(actual.costUsd - expected.costUsd) < 1e-9, `${what}: cost ${actual.costUsd} vs ${expected.costUsd}`);
}

const pidsOf = (file: string): number[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);

describe('spend of killed and canceled attempts', () => {
  test('kill -9 mid-run, then `agentab clean`, `agentab report` and --resume: groups reaped, run marked killed, the killed attempts\' spend reported and kept', async () => {
    const work = tempDir();
    const pidsFile = path.join(work, 'pids.txt');
    const mark = path.join(work, 'second-time');
    writeFileSync(pidsFile, '');
    // An agent-like child (sh) with a tool grandchild (sleep), after two model calls; once the
    // mark exists (the resumed run) it only makes its calls.
    const x = writeExperiment(
      `name: killed
runners: [{ name: cmd, kind: command, command: 'node ${CALL_PROXY} 2 && { [ -f ${mark} ] || sh -c "sleep 300 & echo \\$! >> ${pidsFile}; echo \\$\\$ >> ${pidsFile}; wait"; }' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 1
concurrency: 2
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\ncheck: "true"\n' },
    );
    const runId = `k${process.pid}`;
    const runDir = path.join(x.out, 'killed', runId);
    const child = agentab(['run-matrix', x.spec, '--out', x.out, '--run-id', runId]);
    await waitFor(() => pidsOf(pidsFile).length === 4, 'both cells in their tool call', WAIT_MS);
    await waitFor(() => sums(spendLines(runDir)).calls === 4, 'the four model calls in the spend log', WAIT_MS);
    child.kill('SIGKILL');
    await child;
    await sleep(300);
    const pids = pidsOf(pidsFile);
    assert.ok(pids.every(alive), 'the agent and its tool outlive a SIGKILLed orchestrator');
    const staging = readdirSync(os.tmpdir()).filter((n) => n.startsWith(`agentab-${runId}-`));
    assert.equal(staging.length, 1, 'the local launcher\'s staging dir is left behind');
    const killedSpend = sums(spendLines(runDir));
    assert.equal(killedSpend.cells, 2);

    // `agentab clean` (a real process): the groups die, the staging dir goes, the manifest says killed
    const cleaned = await agentab(['clean', '--results', x.out, '--engine', `unix://${path.join(work, 'no-engine.sock')}`, '--json']);
    assert.equal(cleaned.exitCode, 0, cleaned.stderr);
    const cleanOut = JSON.parse(cleaned.stdout) as { deadRuns: { runDir: string; killed: unknown[]; stagingDirs: string[] }[]; killedRuns: { runDir: string; killedAttempts: Totals }[] };
    assert.equal(cleanOut.deadRuns.length, 1);
    assert.equal(cleanOut.deadRuns[0]!.killed.length, 2, 'both cells\' process groups');
    assert.deepEqual(cleanOut.deadRuns[0]!.stagingDirs, [path.join(os.tmpdir(), staging[0]!)]);
    assertTotals(cleanOut.killedRuns[0]!.killedAttempts, killedSpend, 'clean');
    await waitFor(() => !pids.some(alive), 'the agent and tool processes to die', 10_000);
    assert.ok(!existsSync(path.join(os.tmpdir(), staging[0]!)), 'staging dir removed');
    const manifest = JSON.parse(readFileSync(runPaths(runDir).manifest, 'utf8'));
    assert.equal(manifest.status, 'killed');
    assert.equal(manifest.sessions[0].status, 'killed');
    assert.ok(Date.parse(manifest.sessions[0].killedNoticedAt) >= Date.parse(manifest.sessions[0].lastWriteAt), 'noticed after the last write');
    assertTotals(manifest.sessions[0].killedAttempts, killedSpend, 'manifest');

    // both cells were cut off: no record to report on yet, but the spend is named
    const early = await agentab(['report', runDir, '--json']);
    assert.notEqual(early.exitCode, 0, 'no record yet: nothing to compare');
    assert.match(early.stderr, /no run records.*spend of killed attempts: 2 attempts, 4 calls/);

    writeFileSync(mark, '');
    const resumed = await agentab(['run-matrix', '--resume', runDir, '--json']);
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    const out = JSON.parse(resumed.stdout);
    assert.deepEqual(out.records.map((r: { outcome: string; attempt?: number }) => [r.outcome, r.attempt]), [['pass', 2], ['pass', 2]]);
    assertTotals(out.uncounted.killed, killedSpend, 'run-matrix --json');
    // the report run-matrix writes into the run directory at the end says it too
    assertTotals(JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')).uncounted.killed, killedSpend, 'the run\'s report.json');
    assert.match(readFileSync(path.join(runDir, 'report.md'), 'utf8'), /Spend of killed, canceled or retried attempts \(excluded from the statistics\): killed 2 attempts, 4 calls/);
    // history: one killed-attempt record per cell in records.jsonl, its logs under history/
    const file = await readRecordsFile(runPaths(runDir).records);
    assert.equal(file.superseded.length, 2);
    for (const h of file.superseded) {
      assert.equal(h.outcome, 'canceled');
      assert.equal(h.runnerReported.endedBy, 'killed');
      assert.match(String(h.runnerReported.error), /killed/);
      assert.ok(existsSync(path.join(runDir, 'history', h.cell, 'attempt-1', 'stdout.log')), 'the killed attempt\'s logs kept');
    }

    // every format of the report says it, with the sums of the killed attempts' spend lines only
    const report = await agentab(['report', runDir, '--json']);
    assert.equal(report.exitCode, 0, report.stderr);
    const json = JSON.parse(report.stdout);
    assertTotals(json.uncounted.killed, killedSpend, 'report.json');
    assert.equal(json.uncounted.canceled.attempts, 0);
    assert.equal(json.records.used, 2, 'the killed attempts are not in the statistics');
    const md = await agentab(['report', runDir, '--format', 'md']);
    assert.match(md.stdout, new RegExp(`Spend of killed, canceled or retried attempts \\(excluded from the statistics\\): killed 2 attempts, 4 calls, ${killedSpend.input.toLocaleString('en-US')} input / ${killedSpend.output.toLocaleString('en-US')} output tokens, \\$${killedSpend.costUsd.toFixed(4).replace('.', '\\.')}`));
    const html = await agentab(['report', runDir, '--format', 'html']);
    assert.match(html.stdout, /Spend of killed, canceled or retried attempts \(excluded from the statistics\): killed 2 attempts, 4 calls/);
    const final = JSON.parse(readFileSync(runPaths(runDir).manifest, 'utf8'));
    assert.equal(final.status, 'complete');
    assert.equal(final.sessions[0].status, 'killed', 'the killed session stays on record');
  });

  test('kill -9, then --resume without clean: the resume reaps the groups the killed run left and records the cut-off attempts', async () => {
    const work = tempDir();
    const pidsFile = path.join(work, 'pids.txt');
    const mark = path.join(work, 'second-time');
    writeFileSync(pidsFile, '');
    const x = writeExperiment(
      `name: resumereaps
runners: [{ name: cmd, kind: command, command: 'node ${CALL_PROXY} 1 && { [ -f ${mark} ] || sh -c "sleep 300 & echo \\$! >> ${pidsFile}; echo \\$\\$ >> ${pidsFile}; wait"; }' }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
reps: 2
concurrency: 2
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\n' },
    );
    const runId = `r${process.pid}`;
    const runDir = path.join(x.out, 'resumereaps', runId);
    const child = agentab(['run-matrix', x.spec, '--out', x.out, '--run-id', runId]);
    await waitFor(() => pidsOf(pidsFile).length === 4, 'both cells in their tool call', WAIT_MS);
    // the proxy appends spend lines on a timer: a kill -9 before that loses them (seen under load)
    await waitFor(() => spendLines(runDir).length === 2, 'the two model calls in the spend log', WAIT_MS);
    child.kill('SIGKILL');
    await child;
    const pids = pidsOf(pidsFile);
    assert.ok(pids.every(alive), 'the agent and its tool outlive the kill');
    writeFileSync(mark, '');
    const resumed = await agentab(['run-matrix', '--resume', runDir, '--json']);
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.match(resumed.stderr, /killed process groups a previous session left running/);
    assert.match(resumed.stderr, /the previous session of this run was killed without finishing/);
    await waitFor(() => !pids.some(alive), 'the leftover processes to die', 10_000);
    const out = JSON.parse(resumed.stdout);
    assert.deepEqual(out.records.map((r: { outcome: string }) => r.outcome), ['pass', 'pass']);
    assert.equal(out.uncounted.killed.attempts, 2);
    assert.equal(out.uncounted.killed.calls, 2);
    const manifest = JSON.parse(readFileSync(runPaths(runDir).manifest, 'utf8'));
    assert.equal(manifest.sessions[0].status, 'killed');
    assert.equal(manifest.sessions[0].killedAttempts.calls, 2);
  });

  test('Ctrl-C: the manifest says canceled and when; the canceled attempts\' spend is in the report', async () => {
    const x = writeExperiment(
      `name: interrupted
runners: [{ name: cmd, kind: command, command: 'node ${CALL_PROXY} 1 && sleep 300' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 1
concurrency: 2
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\n' },
    );
    const runDir = path.join(x.out, 'interrupted', 'c1');
    const child = agentab(['run-matrix', x.spec, '--out', x.out, '--run-id', 'c1']);
    await waitFor(() => sums(spendLines(runDir)).calls === 2, 'both cells\' model call', WAIT_MS);
    const before = Date.now();
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, r.stderr);
    const canceledSpend = sums(spendLines(runDir));
    assert.match(r.stdout, /Spend of killed, canceled or retried attempts \(excluded from the statistics\): canceled 2 attempts, 2 calls/);
    const manifest = JSON.parse(readFileSync(runPaths(runDir).manifest, 'utf8'));
    assert.equal(manifest.status, 'canceled');
    assert.equal(manifest.sessions[0].status, 'canceled');
    assert.ok(Date.parse(manifest.sessions[0].finishedAt) >= before - 1000, 'when it was canceled');
    const report = await agentab(['report', runDir, '--json']);
    assert.equal(report.exitCode, 0, report.stderr);
    const json = JSON.parse(report.stdout);
    assertTotals(json.uncounted.canceled, canceledSpend, 'report.json');
    assert.equal(json.uncounted.killed.attempts, 0);
    assert.equal(json.records.canceled, 2);
  });
});
