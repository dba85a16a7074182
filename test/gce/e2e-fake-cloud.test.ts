/**
 * `agentab run-matrix --launcher gce` end to end with no cloud, every hop over HTTP with
 * Google's own clients: the launcher (CLI) uploads the input bundle to the fake Cloud Storage
 * and submits one job to the fake Batch API; the fake Batch runs each task on its own fake VM
 * (own metadata server) as vm/task-entry.sh — the image's entry point, here a local process —
 * which fetches the bundle and runs the real `run-matrix --bundle --shard i/N --results-uri`
 * with its own simulator proxy, mirroring each cell to the bucket; the launcher pools them.
 * The pooled run has the cells, pairing blocks, outcomes and call counts of a single-machine
 * run of the same plan, and every record names the VM it ran on.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readRecordsFile } from '../../src/experiment/records-store.ts';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { callsExperiment } from '../experiment/helpers.ts';
import { entryScriptExecutor, startFakeCloud, TEST_BUCKET, type FakeCloud } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/agentab.js', import.meta.url));

function experiment() {
  return callsExperiment({ name: 'e2e', extra: 'launcher: { kind: gce, project: test-project, region: us-central1, vms: 3, machine_type: n2-standard-2, poll_interval: 0.2 }\n' });
}

describe('run-matrix --launcher gce against the fake Google Cloud', () => {
  let fake: FakeCloud;
  before(async () => {
    fake = await startFakeCloud({ executor: entryScriptExecutor() });
  });
  after(async () => {
    await fake.close();
  });

  test('3 VMs run the shards, the results are pooled and match a single-machine run cell for cell', async () => {
    const { batch, gcs } = fake;
    const x = experiment();
    const cloudEnv = { ...process.env, ...fake.env };
    const gce = await execa('node', [BIN, 'run-matrix', x.spec, '--out', path.join(x.dir, 'gce'), '--json'], { env: cloudEnv, reject: false, timeout: 400_000 });
    assert.equal(gce.exitCode, 1, `cells of task "bad" fail their check: run-matrix exits 1\n${gce.stderr}`);
    assert.ok(gce.stdout.trim().startsWith('{'), gce.stderr);
    const cloud = JSON.parse(gce.stdout) as { runDir: string; records: RunRecord[] };

    assert.equal(batch.jobNames().length, 1, 'one Batch job per run');
    const jobName = batch.jobNames()[0]!;
    assert.equal((batch.created[0] as { taskGroups: { taskCount: string }[] }).taskGroups[0]!.taskCount, '3');
    // the launcher deletes the job once every cell is pooled (a VM may still be uploading its run files)
    assert.deepEqual(batch.jobStates(jobName).slice(0, 2), ['SCHEDULED', 'RUNNING'], batch.taskLogs(jobName, 0).join('\n'));
    assert.ok(!batch.jobStates(jobName).includes('FAILED'), batch.jobStates(jobName).join(' '));
    assert.deepEqual(batch.jobs(), [], 'no job left behind');
    assert.equal(batch.runningTasks(), 0);
    const vms = batch.vms(jobName);
    assert.equal(vms.length, 3);

    const local = await execa('node', [BIN, 'run-matrix', x.spec, '--launcher', 'local', '--out', path.join(x.dir, 'local'), '--json'], { reject: false, timeout: 200_000 });
    assert.equal(local.exitCode, 1, local.stderr);
    const single = JSON.parse(local.stdout) as { records: RunRecord[] };

    const pooled = (await readRecordsFile(path.join(cloud.runDir, 'records.jsonl'))).records;
    assert.equal(pooled.length, 8);
    const key = (r: RunRecord) => `${r.cell} ${r.runner} ${r.condition} ${r.task} ${r.rep} ${r.block} ${r.outcome} ${r.calls}`;
    assert.deepEqual(pooled.map(key).sort(), single.records.map(key).sort(), 'same cells, pairing blocks, outcomes and call counts');
    for (const r of pooled) {
      assert.equal(r.launcher, 'gce');
      const vm = vms.find((v) => v.name === r.env.vm);
      assert.ok(vm, `record ${r.cell} names a VM of the job (${String(r.env.vm)})`);
      assert.equal(r.env.zone, 'us-central1-a');
      assert.equal(r.env.machineType, 'n2-standard-2');
    }
    // a (runner, task, rep) block ran on one VM: both conditions of a pair saw the same hardware
    const vmOfBlock = new Map<string, Set<unknown>>();
    for (const r of pooled) vmOfBlock.set(`${r.task}/${r.rep}`, (vmOfBlock.get(`${r.task}/${r.rep}`) ?? new Set()).add(r.env.vm));
    for (const [block, set] of vmOfBlock) assert.equal(set.size, 1, `block ${block} ran on one VM`);
    assert.ok(new Set(pooled.map((r) => r.env.vm)).size >= 2, 'the work was spread over VMs');
    const shardRecords = gcs.list(TEST_BUCKET).filter((n) => /\/shard-\d+\/cells\/[^/]+\/record\.json$/.test(n));
    assert.equal(shardRecords.length, 8, 'every cell\'s record reached the bucket');
  });
});
