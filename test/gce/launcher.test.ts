/**
 * The GCE launcher's logic end to end on in-memory Batch and Cloud Storage (memory-gcp.ts):
 * every task is a "VM" running the real `run-matrix --bundle --shard` path with the command
 * runner against its own simulator proxy. Pooling, pairing, a crashed task, Ctrl-C and
 * resume. (The same flows over HTTP with Google's clients: gce-e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { GceLauncher } from '../../src/experiment/launchers/gce/launcher.ts';
import { parseGceOptions } from '../../src/experiment/launchers/gce/options.ts';
import { readGceState } from '../../src/experiment/launchers/gce/run-state.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { readRecordsFile } from '../../src/experiment/records-store.ts';
import { cellDir, runPaths } from '../../src/experiment/run-dir.ts';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import { silentLogger } from '../../src/util/log.ts';
import { callsExperiment, type TempExperiment } from '../experiment/helpers.ts';
import { MemoryBatch, MemoryStorage, shardVm, type ShardVmOptions } from './memory-gcp.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** 1 runner × 2 conditions × 2 tasks × 2 reps = 8 cells in 4 blocks; a/b make distinct call counts. */
function experiment(launcher = 'launcher: { kind: gce, project: test-project, vms: 3, poll_interval: 0.05 }') {
  return callsExperiment({ name: 'gcex', extra: `${launcher}\n` });
}

function setup(vm: Partial<ShardVmOptions> = {}) {
  const storage = new MemoryStorage();
  const batch = new MemoryBatch(shardVm({ storage, env, ...vm }));
  return { storage, batch };
}

const byCell = (rs: readonly RunRecord[]) => new Map(rs.map((r) => [r.cell, r]));

/** The launcher of a process that was killed: nothing of it runs at exit, its job is left running. */
class KilledLauncher extends GceLauncher {
  override async dispose(): Promise<void> {
    /* killed */
  }
}

type Spec = Awaited<ReturnType<typeof loadExperiment>>;

/** Starts run `runId` with a launcher that is killed 200 ms in. */
async function runKilled(spec: Spec, x: TempExperiment, batch: MemoryBatch, storage: MemoryStorage, runId: string) {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  return runMatrix({ spec, outRoot: x.out, env, log: silentLogger, launcher: new KilledLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'h', pid: 999999 }), runId, signal: ac.signal });
}

/** `run-matrix --resume runDir` with a new launcher; its records and the notes it printed. */
async function resumeRun(spec: Spec, x: TempExperiment, batch: MemoryBatch, storage: MemoryStorage, runDir: string) {
  const notes: string[] = [];
  const again = await runMatrix({
    spec,
    outRoot: x.out,
    env,
    log: silentLogger,
    resumeDir: runDir,
    launcher: new GceLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'h', pid: process.pid }),
    progress: { start() {}, cellStarted() {}, cellFinished() {}, spend() {}, note: (l) => notes.push(l), stop() {} },
  });
  return { again, notes };
}

describe('gce launcher (in-memory Batch and GCS)', () => {
  test('the matrix runs over 3 "VMs", is pooled, and matches a single-machine run of the same plan cell for cell', async () => {
    const x = experiment();
    const spec = await loadExperiment(x.spec);
    const { storage, batch } = setup();
    const notes: string[] = [];
    const launcher = new GceLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'test-host', pid: process.pid });
    const started: string[] = [];
    const r = await runMatrix({
      spec,
      outRoot: x.out,
      env,
      log: silentLogger,
      launcher,
      runId: 'g1',
      progress: { start() {}, cellStarted: (c) => started.push(c.id), cellFinished() {}, spend() {}, note: (l) => notes.push(l), stop() {} },
    });
    assert.equal(r.records.length, 8);
    assert.equal(r.stoppedBy, 'done');
    assert.equal(batch.created.length, 1, 'one Batch job per run');
    const job = batch.created[0]!.job as { taskGroups: { taskCount: string }[]; labels: Record<string, string> };
    assert.equal(job.taskGroups[0]!.taskCount, '3');
    assert.equal(job.labels['agentab-run'], 'g1');
    assert.ok(notes.some((n) => /submitted Batch job agentab-g1: 3 × e2-standard-4 \(spot\)/.test(n)), notes.join('\n'));
    assert.equal(new Set(started).size, 8, 'every cell was reported started once');

    // pooled: records, spend lines and cell logs in the local run dir
    const spend = (await readSpendLog(runPaths(r.runDir).spend)).records;
    const vmOfBlock = new Map<string, string>();
    for (const rec of r.records) {
      assert.equal(rec.launcher, 'gce');
      assert.equal(rec.runId, 'g1');
      assert.equal(rec.calls, (rec.condition === 'a' ? 1 : 3) + rec.rep);
      assert.equal(spend.filter((s) => s.cell === rec.cell).length, rec.calls, 'every spend line of the cell was pooled once');
      assert.match(String(rec.env.vm), /^agentab-vm-\d$/);
      assert.equal(rec.env.zone, 'us-central1-a');
      assert.equal(rec.env.machineType, 'e2-standard-4');
      assert.equal(typeof rec.env.shard, 'number');
      assert.ok(existsSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log')), 'cell logs pooled');
      assert.ok(existsSync(path.join(cellDir(r.runDir, rec.cell), 'record.json')));
      // both conditions of a (runner, task, rep) block ran on the same VM
      const key = `${rec.runner}/${rec.task}/${rec.rep}`;
      const vm = vmOfBlock.get(key);
      if (vm) assert.equal(rec.env.vm, vm, `block ${key} is on one VM`);
      vmOfBlock.set(key, String(rec.env.vm));
    }
    assert.equal(new Set(vmOfBlock.values()).size, 3, 'the 4 blocks are spread over the 3 VMs');
    assert.equal((await readRecordsFile(runPaths(r.runDir).records)).duplicates, 0);
    assert.equal((await batch.getJob(`projects/test-project/locations/us-central1/jobs/agentab-g1`))?.state, 'SUCCEEDED');
    assert.deepEqual(batch.deleted, [], 'a finished job is not deleted');

    // the same plan on one machine: the same cells, outcomes, call counts and pairing blocks
    const local = await runMatrix({ spec: await loadExperiment(x.spec, { launcher: 'local' }), outRoot: x.out, env, log: silentLogger, runId: 'l1' });
    const g = byCell(r.records);
    assert.deepEqual([...byCell(local.records).keys()].sort(), [...g.keys()].sort());
    for (const l of local.records) {
      const x2 = g.get(l.cell)!;
      assert.deepEqual([x2.runner, x2.condition, x2.task, x2.rep, x2.block, x2.order, x2.outcome, x2.calls], [l.runner, l.condition, l.task, l.rep, l.block, l.order, l.outcome, l.calls]);
    }
  });

  test('a task that crashes mid-shard is retried by Batch, then its unfinished cells are infra', async () => {
    const x = experiment('launcher: { kind: gce, project: test-project, vms: 2, max_retries: 2, poll_interval: 0.05 }');
    const spec = await loadExperiment(x.spec);
    // shard 1 dies after uploading its first cell, on every attempt
    const { storage, batch } = setup({
      afterCell: ({ shard }) => {
        if (shard === 1) throw new Error('VM preempted');
      },
    });
    const launcher = new GceLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'h', pid: process.pid });
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, launcher, runId: 'crash1' });
    const state = await readGceState(r.runDir);
    const shard1 = new Set(state.jobs[0]!.shards[1]);
    const mem = batch.jobs.get(state.jobs[0]!.name)!;
    assert.equal(mem.tasks[1]!.attempts, 3, 'maxRetryCount 2: three attempts');
    assert.equal(mem.tasks[1]!.state, 'FAILED');
    assert.equal(r.records.length, 8);
    const s1 = r.records.filter((x2) => shard1.has(x2.cell));
    const s0 = r.records.filter((x2) => !shard1.has(x2.cell));
    assert.ok(s0.every((x2) => x2.outcome !== 'infra' && x2.launcher === 'gce'), 'shard 0 is unaffected');
    // each attempt recorded one more cell before dying (a retry resumes its shard)
    assert.equal(s1.filter((x2) => x2.outcome !== 'infra').length, 3);
    const infra = s1.filter((x2) => x2.outcome === 'infra');
    assert.equal(infra.length, shard1.size - 3);
    for (const x2 of infra) assert.match(String(x2.runnerReported.error), /Batch task 1 of job agentab-crash1 failed after 2 retries/);
  });

  test('Ctrl-C pools what finished, records the rest as canceled and deletes the job; --resume submits only the missing cells', async () => {
    const x = experiment('launcher: { kind: gce, project: test-project, vms: 2, poll_interval: 0.05 }');
    const spec = await loadExperiment(x.spec);
    const ac = new AbortController();
    // every VM hangs after its first cell until the job is deleted
    const { storage, batch } = setup({
      afterCell: ({ uploaded }) => {
        if (uploaded === 1) setTimeout(() => ac.abort(), 300);
      },
    });
    const launcher = new GceLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'h', pid: process.pid });
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, launcher, runId: 'cc1', signal: ac.signal });
    assert.equal(r.stoppedBy, 'abort');
    assert.equal(batch.deleted.length, 1, 'the job was deleted');
    assert.equal(batch.jobs.size, 0, 'nothing left');
    const done = r.records.filter((x2) => x2.outcome !== 'canceled');
    assert.ok(done.length >= 1, 'finished cells were pooled');
    const canceled = r.records.filter((x2) => x2.outcome === 'canceled').map((x2) => x2.cell);
    assert.equal(done.length + canceled.length, 8);

    const again = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, launcher: new GceLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'h', pid: process.pid }), resumeDir: r.runDir });
    assert.equal(batch.created.length, 2);
    const second = batch.created[1]!;
    assert.equal(second.jobId, 'agentab-cc1-r2');
    const state = await readGceState(r.runDir);
    // a cell the first job finished between Ctrl-C's last look and the deletion is pooled, not run again
    const resubmitted = state.jobs[1]!.shards.flat();
    assert.ok(resubmitted.length > 0 && resubmitted.every((id) => canceled.includes(id)), 'only cells without a record were submitted');
    assert.match(state.jobs[1]!.runUri, /\/cc1\/resume-2$/);
    assert.equal(again.records.length, 8);
    assert.ok(again.records.every((x2) => x2.outcome === 'pass' || x2.outcome === 'fail'));
    assert.equal((await readRecordsFile(runPaths(r.runDir).records)).duplicates, canceled.length, 'each canceled line superseded once');
    assert.equal((await readSpendLog(runPaths(r.runDir).spend)).duplicates, 0);
  });

  test('a job whose VMs recorded every cell but still reads RUNNING is deleted, also by a --resume that finds nothing left to run', async () => {
    const x = experiment('launcher: { kind: gce, project: test-project, vms: 2, poll_interval: 0.05 }');
    const spec = await loadExperiment(x.spec);
    const storage = new MemoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // the VMs start when released, record every cell, then stay up (a task still uploading its
    // run files, a VM being torn down) until the job is deleted
    const lingering = new MemoryBatch(async (e, s, a) => {
      await gate;
      const code = await shardVm({ storage, env })(e, s, a);
      await new Promise<void>((r) => (s.aborted ? r() : s.addEventListener('abort', () => r(), { once: true })));
      return code;
    });
    const options = parseGceOptions(spec.launcher.options);
    const first = await runKilled(spec, x, lingering, storage, 'lg1');
    const jobName = 'projects/test-project/locations/us-central1/jobs/agentab-lg1';
    release();
    // every cell's record reaches the bucket while no launcher watches; the job stays RUNNING
    for (let i = 0; i < 600 && storage.names().filter((n) => n.endsWith('/record.json')).length < 8; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(storage.names().filter((n) => n.endsWith('/record.json')).length, 8);
    assert.equal((await lingering.getJob(jobName))?.state, 'RUNNING');

    const { again, notes } = await resumeRun(spec, x, lingering, storage, first.runDir);
    assert.equal(again.records.length, 8);
    assert.ok(again.records.every((r) => r.outcome === 'pass' || r.outcome === 'fail'), 'pooled from the bucket');
    assert.equal(lingering.created.length, 1, 'nothing resubmitted');
    assert.deepEqual(lingering.deleted, [jobName], 'the finished but still running job was deleted');
    assert.equal(lingering.jobs.size, 0, 'no VM outlives the run');
    assert.ok(notes.some((n) => /deleted Batch job agentab-lg1/.test(n)), notes.join('\n'));

    // the same on a run that was never interrupted: every cell pooled, the job still RUNNING → deleted at the end
    const fresh = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, launcher: new GceLauncher(options, { batch: lingering, storage, host: 'h', pid: process.pid }), runId: 'lg2' });
    assert.equal(fresh.records.length, 8);
    assert.ok(lingering.deleted.includes('projects/test-project/locations/us-central1/jobs/agentab-lg2'));
    assert.equal(lingering.jobs.size, 0);
  });

  test('--resume of a launcher that went away re-attaches to its still-running job instead of submitting again', async () => {
    const x = experiment('launcher: { kind: gce, project: test-project, vms: 2, poll_interval: 0.05 }');
    const spec = await loadExperiment(x.spec);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { storage, batch } = setup();
    // the VMs start only when released: the first launcher goes away while the job is queued
    const slow = new MemoryBatch(async (e, s, a) => {
      await gate;
      return shardVm({ storage, env })(e, s, a);
    });
    void batch;
    const first = await runKilled(spec, x, slow, storage, 'k1');
    assert.equal(first.records.filter((r) => r.outcome !== 'canceled').length, 0);
    assert.equal(slow.jobs.size, 1, 'the job outlived its launcher');
    release();
    const { again, notes } = await resumeRun(spec, x, slow, storage, first.runDir);
    assert.equal(slow.created.length, 1, 'no second job');
    assert.ok(notes.some((n) => /re-attached to Batch job agentab-k1/.test(n)), notes.join('\n'));
    assert.equal(again.records.length, 8);
    assert.ok(again.records.every((r) => r.outcome === 'pass' || r.outcome === 'fail'));
    assert.ok(readFileSync(runPaths(first.runDir).records, 'utf8').length > 0);
  });
});
