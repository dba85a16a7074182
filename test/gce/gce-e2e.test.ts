/**
 * `agentab run-matrix --launcher gce` end to end with no cloud: the real CLI as a child
 * process, Google's clients (@google-cloud/batch REST, @google-cloud/storage) against the fake
 * Batch, Cloud Storage and metadata servers of test/helpers/fake-gcp/, each Batch task running
 * vm/task-entry.sh as a local process (its own agentab, its own proxy, real agent CLIs). The
 * pilot over 3 "VMs" pools into a run whose report has the same cells and pairing as a
 * single-machine run of the same plan; a launcher killed with SIGKILL is resumed by
 * re-attaching to its job; a planted key never reaches a command line.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readRunRecords } from '../../src/experiment/records-store.ts';
import { tempDir } from '../experiment/helpers.ts';
import { assertSameCellsAndPairing, entryScriptExecutor, jobNameOf, PLANTED_SECRET, plantedKeyExperiment, startFakeCloud, TEST_BUCKET, TEST_PROJECT, type FakeCloud } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'bin/agentab.js');
const PILOT = path.join(ROOT, 'experiments/pilot.yaml');
const PLANTED = 'sk-planted-e2e-4c1f9a7d2b8e6f30';

describe('run-matrix --launcher gce over fake Batch, Cloud Storage and metadata servers', { timeout: 900_000 }, () => {
  let cloud: FakeCloud;
  let env: Record<string, string>;

  before(async () => {
    cloud = await startFakeCloud({ executor: entryScriptExecutor() });
    cloud.batch.secrets.add(TEST_PROJECT, PLANTED_SECRET, PLANTED);
    env = cloud.env;
  });
  after(async () => {
    await cloud.close();
  });

  test('the pilot over 3 VMs completes, is pooled, and reports the same cells and pairing as one machine', async () => {
    const { batch } = cloud;
    const out = tempDir();
    // interleaved: the conditions of a (runner, task, rep) are a pairing block (the pilot ships with a random order)
    const sel = ['--tasks', 'write-file,summarise-doc', '--reps', '1', '--order', 'interleaved', '--out', out];
    const gce = await execa('node', [CLI, 'run-matrix', PILOT, ...sel, '--launcher', 'gce', '--gce-project', TEST_PROJECT, '--gce-vms', '3', '--gce-poll-interval', '0.2', '--run-id', 'gce1', '--json'], { env, extendEnv: false, reject: false, cwd: ROOT });
    assert.ok(gce.exitCode === 0 || gce.exitCode === 1, gce.stderr);
    const [job] = batch.created as { taskGroups: { taskCount: string }[] }[];
    assert.equal(job!.taskGroups[0]!.taskCount, '3');
    assert.match(gce.stderr, /submitted Batch job agentab-gce1: 3 × e2-standard-4 \(spot\)/);
    const gceDir = path.join(out, 'pilot', 'gce1');
    const gceRecords = await readRunRecords(gceDir);
    assert.equal(gceRecords.length, 8);
    const vms = new Set(gceRecords.map((r) => String(r.env.vm)));
    assert.equal(vms.size, 3, `three VMs ran cells: ${JSON.stringify(gceRecords.map((r) => [r.cell, r.outcome, r.env.vm, r.runnerReported.error]))}\n${gce.stderr}`);
    for (const r of gceRecords) {
      assert.equal(r.launcher, 'gce');
      assert.equal(r.env.zone, 'us-central1-a');
      assert.equal(r.env.machineType, 'e2-standard-4');
      assert.ok(r.calls > 0, `${r.cell} reached its VM's proxy (${r.outcome}: ${String(r.runnerReported.error ?? '')})`);
    }
    const spend = readFileSync(path.join(gceDir, 'spend.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cell: string });
    for (const r of gceRecords) {
      const lines = spend.filter((s) => s.cell === r.cell).length;
      assert.equal(lines, r.calls + Number(r.runnerReported.otherRequests ?? 0), `every spend line of ${r.cell} (${r.runner}/${r.condition}/${r.task}, ${r.outcome}, attempt ${r.attempt}, ${String(r.env.vm)}) pooled once: ${r.calls} calls + ${String(r.runnerReported.otherRequests ?? 0)} other requests`);
    }

    const local = await execa('node', [CLI, 'run-matrix', PILOT, ...sel, '--run-id', 'local1', '--json'], { env, extendEnv: false, reject: false, cwd: ROOT });
    assert.ok(local.exitCode === 0 || local.exitCode === 1, local.stderr);
    // the reports (written by run-matrix, read by `agentab report` unchanged) compare the same pairs
    await assertSameCellsAndPairing(gceDir, path.join(out, 'pilot', 'local1'));
    const viaCli = await execa('node', [CLI, 'report', gceDir, '--format', 'json'], { env, extendEnv: false, reject: false, cwd: ROOT });
    assert.equal(viaCli.exitCode, 0, viaCli.stderr);
  });

  test('a launcher killed with SIGKILL leaves its job running; --resume re-attaches and no key reaches a command line', async () => {
    const { batch, gcs } = cloud;
    const x = plantedKeyExperiment({ name: 'killed', reps: 3, pollInterval: 0.2, sleepSeconds: 1 });
    const child = execa('node', [CLI, 'run-matrix', x.spec, '--out', x.out, '--run-id', 'k1'], { env, extendEnv: false, reject: false, cwd: x.dir });
    const jobName = jobNameOf('k1');
    const argvSeen: string[] = [];
    // wait until the job runs and a first record is in the bucket, reading every command line meanwhile
    for (let i = 0; i < 600; i++) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          argvSeen.push(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
        } catch {
          /* gone */
        }
      }
      if (gcs.list(TEST_BUCKET, 'agentab/killed/k1/').some((n) => n.endsWith('/record.json'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await child;
    assert.ok(argvSeen.length > 0 && !argvSeen.some((a) => a.includes(PLANTED)), 'no command line carries the key');
    assert.ok(batch.job(jobName), 'the job outlived its launcher');

    const resumed = await execa('node', [CLI, 'run-matrix', '--resume', path.join(x.out, 'killed', 'k1')], { env, extendEnv: false, reject: false, cwd: x.dir });
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    // cells the job finished while no launcher watched are pooled; if it is still running, the launcher re-attaches
    assert.ok(!/submitted Batch job/.test(resumed.stderr), resumed.stderr);
    assert.equal(batch.created.filter((j) => JSON.stringify(j).includes('"agentab-run":"k1"')).length, 1, 'no second job for k1');
    assert.ok(!batch.jobs().some((j) => j.labels?.['agentab-run'] === 'k1' && ['QUEUED', 'SCHEDULED', 'RUNNING'].includes(j.status.state)), 'no job of the resumed run still runs');
    assert.equal(batch.runningTasks(), 0);
    const records = await readRunRecords(path.join(x.out, 'killed', 'k1'));
    assert.equal(records.length, 6);
    assert.ok(records.every((r) => r.outcome === 'pass'), JSON.stringify(records.map((r) => [r.outcome, r.runnerReported.error])));
    assert.ok(!JSON.stringify(batch.created).includes(PLANTED), 'job JSON');
    for (const [name, o] of gcs.objects) if (!name.endsWith('.gz')) assert.ok(!o.data.toString('latin1').includes(PLANTED), name);
    assert.ok(!resumed.stderr.includes(PLANTED) && !resumed.stdout.includes(PLANTED));
  });
});
