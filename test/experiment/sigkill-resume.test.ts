/**
 * A run killed with SIGKILL at any point resumes without duplicate or lost records, and
 * Ctrl-C (SIGINT) of the CLI leaves no cell process behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readRecordsFile } from '../../src/experiment/records-store.ts';
import { runPaths } from '../../src/experiment/run-dir.ts';
import { agentabCli as agentab, alive, CALL_PROXY, FAST_SIM_PROXY, tempDir, waitFor, writeExperiment } from './helpers.ts';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));
const cliEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: '1' };

function cli(args: string[]) {
  return execa(process.execPath, ['--import', 'tsx', CLI, ...args], { env: cliEnv, extendEnv: false, reject: false, cwd: path.dirname(CLI) });
}

async function recordCount(runDir: string): Promise<number> {
  return (await readRecordsFile(runPaths(runDir).records)).records.length;
}

/**
 * One task, one condition, two cells at a time, whose command runner `command` appends the pid of
 * every sleeper it starts to "$PIDS"; `sleepers()` reads them back.
 */
function sleeperExperiment(name: string, command: string, moreYaml: string) {
  const x = writeExperiment(
    `name: ${name}
runners: [{ name: cmd, kind: command, command: '${command}' }]
conditions: [{ name: a, env: { PIDS: "${'${PIDS_FILE}'}" } }]
tasks: tasks/*.yaml
concurrency: 2
${moreYaml}
${FAST_SIM_PROXY}`,
    { t: 'prompt: p\n' },
  );
  const pids = path.join(x.dir, 'pids');
  writeFileSync(pids, '');
  writeFileSync(x.spec, readFileSync(x.spec, 'utf8').replace('${PIDS_FILE}', pids));
  return { x, sleepers: () => readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number) };
}

describe('crash safety of run-matrix', () => {
  test('SIGKILL twice mid-run, then --resume: every cell recorded exactly once', async () => {
    const x = writeExperiment(
      `name: crash
runners: [{ name: cmd, kind: command, command: 'sleep 0.2; node ${CALL_PROXY} 1' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 4
concurrency: 3
${FAST_SIM_PROXY}`,
      { t1: 'prompt: p\n', t2: 'prompt: p\n' },
    );
    // plan it first (a `planned` run dir), then execute that plan through --resume
    const planned = await cli(['plan', x.spec, '--out', x.out, '--json']);
    assert.equal(planned.exitCode, 0, planned.stderr);
    const planDir = JSON.parse(planned.stdout).runDir as string;
    assert.ok(planDir);
    const total = 16;

    for (const killAfter of [2, 7]) {
      const child = cli(['run-matrix', '--resume', planDir]);
      await waitFor(async () => (await recordCount(planDir)) >= killAfter, `${killAfter} records`);
      child.kill('SIGKILL');
      await child;
      assert.ok((await recordCount(planDir)) < total, 'killed before the end');
    }
    const staging = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith(`agentab-${path.basename(planDir)}-`));
    assert.ok(staging().length > 0, 'the killed sessions left their staging dirs');
    const done = await cli(['run-matrix', '--resume', planDir, '--json']);
    assert.equal(done.exitCode, 0, done.stderr);
    assert.deepEqual(staging(), [], 'the resume removed the killed sessions\' staging dirs (and its own at its end)');
    const out = JSON.parse(done.stdout);
    assert.equal(out.records.length, total);
    const f = await readRecordsFile(runPaths(planDir).records);
    assert.equal(f.records.length, total);
    // the only earlier lines are the attempts the kills cut off (kept as history), never a finished cell twice
    assert.equal(f.duplicates, f.superseded.length);
    assert.ok(f.superseded.every((r) => r.outcome === 'canceled' && r.runnerReported.endedBy === 'killed'), 'only killed attempts are history');
    assert.equal(f.badLines, 0);
    assert.equal(f.tornTail, false);
    const plan = JSON.parse(readFileSync(runPaths(planDir).plan, 'utf8')) as { cells: { id: string }[] };
    assert.deepEqual(f.records.map((r) => r.cell).sort(), plan.cells.map((c) => c.id).sort());
    assert.ok(f.records.every((r) => r.outcome === 'pass'));
  });

  test('Ctrl-C cancels running cells (recorded canceled), kills their processes and exits 130', async () => {
    const { x, sleepers } = sleeperExperiment('ctrlc', 'sleep 300 & echo $! >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait', 'reps: 4');
    const child = cli(['run-matrix', x.spec, '--out', x.out, '--json']);
    await waitFor(() => sleepers().length >= 4, 'two cells to start');
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.stoppedBy, 'abort');
    assert.equal(out.records.length, 2);
    assert.ok(out.records.every((rec: { outcome: string }) => rec.outcome === 'canceled'));
    for (const pid of sleepers()) assert.equal(alive(pid), false, `sleep ${pid} was killed`);
  });

  test('Ctrl-C twice (forced) kills the cells at once and leaves the manifest killed, not running', async () => {
    // The cells ignore SIGTERM, so the first Ctrl-C's cancel waits out the kill grace: the second lands during it.
    const { x, sleepers } = sleeperExperiment('forced', 'trap "" TERM; sleep 300 & echo $! >> "$PIDS"; wait', 'reps: 2\nlauncher: { kind: local, kill_grace_ms: 30000 }');
    const child = cli(['run-matrix', x.spec, '--out', x.out, '--run-id', 'forced']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => sleepers().length >= 2, 'both cells to start');
    child.kill('SIGINT');
    await waitFor(() => /canceling running cells/.test(stderr), 'the first Ctrl-C to be taken');
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, r.stderr);
    assert.match(r.stderr, /SIGINT again: killed \d+ running cell process group/);
    const manifest = JSON.parse(readFileSync(runPaths(path.join(x.out, 'forced', 'forced')).manifest, 'utf8')) as { status: string; sessions: Array<{ status: string }> };
    assert.equal(manifest.status, 'killed');
    assert.equal(manifest.sessions.at(-1)?.status, 'killed');
    for (const pid of sleepers()) assert.equal(alive(pid), false, `sleep ${pid} was killed`);
  });
});

describe('a closed output pipe', () => {
  test('run-matrix | head -1: the run outlives its closed stdout and stderr and records every cell', async () => {
    const x = writeExperiment(
      `name: piped
runners: [{ name: cmd, kind: command, command: 'sleep 0.3; node ${CALL_PROXY} 1' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 2
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\n' },
    );
    const bin = fileURLToPath(new URL('../../bin/agentab.js', import.meta.url));
    const piped = await execa('bash', ['-c', `"${process.execPath}" "${bin}" run-matrix "${x.spec}" --out "${x.out}" --run-id piped 2>&1 | head -1`], { env: cliEnv, extendEnv: false, reject: false });
    assert.equal(piped.exitCode, 0, piped.stderr);
    assert.equal(piped.stdout.split('\n').length, 1, 'head took one line');
    const runDir = path.join(x.out, 'piped', 'piped');
    assert.equal(await recordCount(runDir), 4, 'every cell recorded');
    assert.equal((JSON.parse(readFileSync(runPaths(runDir).manifest, 'utf8')) as { status: string }).status, 'complete');
  });
});

describe('agentab clean after kill -9', () => {
  test('`agentab clean` (the CLI) kills the process groups a SIGKILLed run left running and removes its staging dirs; a live run is left alone; --dry-run kills nothing', async () => {
    const work = tempDir();
    const pidsFile = path.join(work, 'pids.txt');
    writeFileSync(pidsFile, '');
    // the cell's agent-like child (sh) and its tool grandchild (sleep)
    const x = writeExperiment(
      `name: leftover
runners: [{ name: cmd, kind: command, command: 'sh -c "sleep 300 & echo \\$! >> ${pidsFile}; echo \\$\\$ >> ${pidsFile}; wait"' }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
reps: 2
concurrency: 2
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\n' },
    );
    const runId = `killed${process.pid}`;
    // no engine: only this test's runs are looked at, never the shared Podman's containers
    const clean = async (...args: string[]) => {
      const r = await agentab(['clean', '--results', x.out, '--engine', `unix://${path.join(work, 'no-engine.sock')}`, '--json', ...args]);
      assert.equal(r.exitCode, 0, r.stderr);
      return JSON.parse(r.stdout) as { deadRuns: { runDir: string; killed: { pgid: number; cell: string }[]; stagingDirs: string[] }[] };
    };
    const child = cli(['run-matrix', x.spec, '--out', x.out, '--run-id', runId]);
    const pids = (): number[] => readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    await waitFor(() => pids().length === 4, 'both cells running their tool');
    // while the owner lives, clean touches nothing
    assert.deepEqual((await clean()).deadRuns, []);
    assert.ok(pids().every(alive));
    child.kill('SIGKILL');
    await child;
    await sleep(300);
    assert.ok(pids().every(alive), 'the agent and its tool outlive a SIGKILLed orchestrator');
    const dry = await clean('--dry-run');
    assert.equal(dry.deadRuns.length, 1);
    assert.equal(dry.deadRuns[0]!.killed.length, 2);
    assert.ok(pids().every(alive), 'a dry run kills nothing');
    const reaped = await clean();
    assert.equal(reaped.deadRuns[0]!.runDir, path.join(x.out, 'leftover', runId));
    assert.equal(reaped.deadRuns[0]!.killed.length, 2, 'both cells\' groups');
    assert.equal(reaped.deadRuns[0]!.stagingDirs.length, 1, 'the local launcher\'s staging dir');
    await waitFor(() => !pids().some(alive), 'the leftover agent and tool processes to die', 10_000);
    for (const d of reaped.deadRuns[0]!.stagingDirs) assert.ok(!existsSync(d), `${d} removed`);
    assert.deepEqual((await clean()).deadRuns, [], 'nothing left the second time');
  });
});
