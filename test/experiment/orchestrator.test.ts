/**
 * run-matrix end to end on the local launcher with the `command` runner against a real
 * proxy serving the simulator: attribution, outcomes, resume, budget, cancel, timeout.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { readManifest } from '../../src/experiment/manifest.ts';
import { readRecordsFile } from '../../src/experiment/records-store.ts';
import { cellDir, runPaths } from '../../src/experiment/run-dir.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import { silentLogger } from '../../src/util/log.ts';
import { alive, CALL_PROXY, callsExperiment, FAST_SIM_PROXY, OK_AND_BAD_TASKS, writeExperiment } from './helpers.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** The a/b CALLS experiment of helpers.ts at concurrency 4, with `extra` YAML. */
function experiment(extra = '', tasks: Record<string, string> = OK_AND_BAD_TASKS) {
  return callsExperiment({ name: 'orch', concurrency: 4, extra, tasks });
}

describe('run-matrix with the command runner', () => {
  test('runs every cell at concurrency 4 with exact attribution, and resume skips them all', async () => {
    const x = experiment();
    const spec = await loadExperiment(x.spec);
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, runId: 'r1' });
    assert.equal(r.runDir, path.join(x.out, 'orch', 'r1'));
    assert.equal(r.records.length, 8);
    assert.equal(r.ran, 8);
    assert.equal(r.stoppedBy, 'done');
    const spend = (await readSpendLog(runPaths(r.runDir).spend)).records;
    for (const rec of r.records) {
      const expected = (rec.condition === 'a' ? 1 : 3) + rec.rep;
      assert.equal(rec.calls, expected, `cell ${rec.cell} made ${expected} calls`);
      assert.equal(spend.filter((s) => s.cell === rec.cell).length, expected, 'the spend log agrees');
      assert.equal(rec.outcome, rec.task === 'ok' ? 'pass' : 'fail');
      assert.equal(rec.runId, 'r1');
      assert.ok(rec.usage.input > 0 && rec.costUsd > 0);
      assert.equal(rec.runnerVersion, 'sh');
      assert.ok(existsSync(path.join(cellDir(r.runDir, rec.cell), 'record.json')));
      const out = readFileSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log'), 'utf8').trim().split('\n');
      assert.equal(out.length, expected);
    }
    assert.ok(spend.every((s) => s.run === 'r1' && s.status === 200));
    assert.ok(!JSON.stringify(r.records).includes('sk-agentab'), 'no token in any record');
    const m = await readManifest(r.runDir);
    assert.equal(m.status, 'complete');
    assert.equal(JSON.parse(readFileSync(runPaths(r.runDir).plan, 'utf8')).cells.length, 8);

    const again = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, resumeDir: r.runDir });
    assert.equal(again.ran, 0);
    assert.equal(again.skipped, 8);
    assert.equal((await readRecordsFile(runPaths(r.runDir).records)).duplicates, 0);
    assert.equal((await readManifest(r.runDir)).sessions.length, 2);
  });

  test('a budget cap stops scheduling; resume with a larger one finishes without duplicates', async () => {
    const x = experiment('budget: { tokens: 1 }\n');
    const spec = await loadExperiment(x.spec, { concurrency: 1 });
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger });
    assert.equal(r.stoppedBy, 'budget');
    assert.equal(r.budgetReached, 'tokens');
    assert.equal(r.records.length, 1, 'the first cell spends the budget; no other starts');
    assert.equal(r.notStarted, 7);
    assert.equal((await readManifest(r.runDir)).status, 'budget');

    const more = await loadExperiment(x.spec, { concurrency: 4, budgetTokens: 10_000_000 });
    const done = await runMatrix({ spec: more, outRoot: x.out, env, log: silentLogger, resumeDir: r.runDir });
    assert.equal(done.ran, 7);
    assert.equal(done.records.length, 8);
    const f = await readRecordsFile(runPaths(r.runDir).records);
    assert.equal(f.records.length, 8);
    assert.equal(f.duplicates, 0);
    assert.equal((await readManifest(r.runDir)).status, 'complete');
  });

  test('canceling records the running cells as canceled, leaves no process, and resume re-runs them', async () => {
    const x = writeExperiment(
      `name: cancel
runners: [{ name: cmd, kind: command, command: 'sleep 300 & echo $! >> "$PIDS"; wait' }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
reps: 3
concurrency: 2
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\n' },
    );
    const pids = path.join(x.dir, 'pids');
    writeFileSync(pids, '');
    const spec = await loadExperiment(x.spec);
    spec.conditions[0]!.env.PIDS = pids;
    const ac = new AbortController();
    const started = new Set<string>();
    const run = runMatrix({
      spec,
      outRoot: x.out,
      env,
      log: silentLogger,
      signal: ac.signal,
      progress: {
        start() {},
        cellStarted(c) {
          started.add(c.id);
        },
        cellFinished() {},
        spend() {},
        note() {},
        stop() {},
      },
    });
    for (let i = 0; i < 400 && readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).length < 2; i++) await new Promise((res) => setTimeout(res, 25));
    ac.abort();
    const r = await run;
    assert.equal(r.stoppedBy, 'abort');
    assert.equal(r.records.length, 2);
    assert.ok(r.records.every((rec) => rec.outcome === 'canceled'));
    assert.equal(r.notStarted, 1);
    const sleepers = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.equal(sleepers.length, 2);
    for (const pid of sleepers) assert.equal(alive(pid), false, `process ${pid} was killed`);

    const spec2 = await loadExperiment(x.spec, { timeoutMs: 500 });
    spec2.conditions[0]!.env.PIDS = pids;
    const resumed = await runMatrix({ spec: spec2, outRoot: x.out, env, log: silentLogger, resumeDir: r.runDir });
    assert.equal(resumed.ran, 3, 'the two canceled cells and the one never started');
    assert.ok(resumed.records.every((rec) => rec.outcome === 'timeout'));
    const f = await readRecordsFile(runPaths(r.runDir).records);
    assert.equal(f.records.length, 3, 'one record per cell: the re-runs replace the canceled ones');
  });

  test('a background job the runner leaves behind does not hold the cell until its timeout, and dies with it', async () => {
    const x = writeExperiment(
      `name: bgjob
runners:
  - name: cmd
    kind: command
    command: echo started && (sleep 300 & echo $! > "$PIDS") && echo done
conditions: [{ name: a }]
tasks: tasks/*.yaml
timeout: 60s
${FAST_SIM_PROXY}`,
      { ok: OK_AND_BAD_TASKS.ok! },
    );
    const pids = path.join(x.dir, 'bg.pids');
    writeFileSync(pids, '');
    const spec = await loadExperiment(x.spec);
    spec.conditions[0]!.env.PIDS = pids;
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, runId: 'bg' });
    const rec = r.records[0]!;
    // The job held the runner's stdout open: the cell waited for the 60 s timeout and was recorded as one.
    assert.equal(rec.outcome, 'pass');
    assert.equal(readFileSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log'), 'utf8'), 'started\ndone\n');
    const [job] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.ok(job && job > 0, 'the job started');
    assert.equal(alive(job), false, 'the job was killed with the cell');
  });

  test('setup failures are infra; condition files, setup and env reach the cell', async () => {
    const x = writeExperiment(
      `name: setup
runners: [{ name: cmd, kind: command, command: 'cat note.txt extra.txt && test "$FLAG" = on' }]
conditions:
  - name: good
    files: { note.txt: "from the condition\\n" }
    setup: echo made-by-setup > extra.txt
    env: { FLAG: "on" }
  - name: broken
    setup: exit 4
tasks: tasks/*.yaml
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\ncheck: grep -q made-by-setup extra.txt\n' },
    );
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger });
    const good = r.records.find((rec) => rec.condition === 'good')!;
    const broken = r.records.find((rec) => rec.condition === 'broken')!;
    assert.equal(good.outcome, 'pass');
    assert.equal(readFileSync(path.join(cellDir(r.runDir, good.cell), 'stdout.log'), 'utf8'), 'from the condition\nmade-by-setup\n');
    assert.equal(broken.outcome, 'infra');
    assert.equal(broken.runnerReported.failedPhase, 'setup');
    assert.match(String(broken.runnerReported.error), /condition setup `exit 4` failed: exit 4/);
    assert.equal(broken.exitCode, null);
  });

  test('the command runner gets the task and spec dirs like setup and check, its args arrive unparsed, and every failure says why', async () => {
    const x = writeExperiment(
      `name: cmdenv
runners:
  - name: cmd
    kind: command
    command: sh "$AGENTAB_TASK_DIR/show.sh"
    args: ['two words', 'it''s "quoted"', '$HOME;rm -rf x']
conditions:
  - name: ok
    env: { CODE: "0" }
  - name: crash
    env: { CODE: "3" }
tasks: tasks/*.yaml
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\ncheck: "true"\n', f: 'prompt: p\ncheck: "false"\n' },
    );
    // the script lives next to the task: only AGENTAB_TASK_DIR finds it
    writeFileSync(path.join(x.dir, 'tasks', 'show.sh'), 'printf "%s\\n" "$AGENTAB_TASK_DIR" "$AGENTAB_SPEC_DIR" "$AGENTAB_WORKSPACE" "$PWD" "$@"\nexit "$CODE"\n');
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger });
    const ok = r.records.find((rec) => rec.condition === 'ok' && rec.task === 't')!;
    assert.equal(ok.outcome, 'pass', JSON.stringify(ok.runnerReported));
    assert.equal(ok.runnerReported.error, null, 'a pass has no error');
    const seen = readFileSync(path.join(cellDir(r.runDir, ok.cell), 'stdout.log'), 'utf8').split('\n');
    assert.equal(seen[0], path.join(x.dir, 'tasks'));
    assert.equal(seen[1], x.dir);
    assert.equal(seen[2], seen[3], 'AGENTAB_WORKSPACE is the directory the command runs in');
    assert.match(seen[2]!, /workspace$/);
    assert.deepEqual(seen.slice(4, 7), ['two words', `it's "quoted"`, '$HOME;rm -rf x']);
    const crash = r.records.find((rec) => rec.condition === 'crash' && rec.task === 't')!;
    assert.equal(crash.outcome, 'error');
    assert.match(String(crash.runnerReported.error), /^the command runner "cmd" exited with code 3: see the cell's stderr\.log$/);
    const failed = r.records.find((rec) => rec.condition === 'ok' && rec.task === 'f')!;
    assert.equal(failed.outcome, 'fail');
    assert.match(String(failed.runnerReported.error), /^the task's check failed \(exit code 1\)/);
    for (const rec of r.records) if (rec.outcome !== 'pass') assert.ok(typeof rec.runnerReported.error === 'string' && rec.runnerReported.error.length > 0, `${rec.outcome} carries a reason`);
  });

  test('a git workspace is checked out at the task\'s ref', async () => {
    const x = writeExperiment(
      `name: git
runners: [{ name: cmd, kind: command, command: 'cat version.txt' }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
${FAST_SIM_PROXY}`,
      { t: 'prompt: p\nworkspace: { git: ../repo, ref: v1 }\ncheck: test "$(cat version.txt)" = one\n' },
    );
    const repo = path.join(x.dir, 'repo');
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
    mkdirSync(repo);
    await git('init', '-q');
    writeFileSync(path.join(repo, 'version.txt'), 'one\n');
    await git('add', '.');
    await git('commit', '-qm', 'one');
    await git('tag', 'v1');
    writeFileSync(path.join(repo, 'version.txt'), 'two\n');
    await git('commit', '-qam', 'two');
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger });
    assert.equal(r.records[0]!.outcome, 'pass', JSON.stringify(r.records[0]!.runnerReported));
    assert.equal(readFileSync(path.join(cellDir(r.runDir, r.records[0]!.cell), 'stdout.log'), 'utf8'), 'one\n');
  });
});
