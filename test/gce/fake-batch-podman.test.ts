/**
 * The fake Batch running tasks as Podman containers (dockerode against Podman's Docker API),
 * the way the GCE end-to-end test runs the runner image: host network, BATCH_TASK_INDEX and
 * BATCH_TASK_COUNT set, each task's VM described by its own metadata server, containers gone
 * after the job (also after a delete mid-run). Skipped with the reason without an engine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { v1 } from '@google-cloud/batch';
import type { Engine } from '../../src/experiment/launchers/container/engine.ts';
import { engineOrReason, runnerImage, until } from '../containers/helpers.ts';
import { FAKE_BATCH_LABEL, podmanExecutor, startFakeBatch, startFakeMetadata, type FakeBatch, type FakeMetadata } from '../helpers/fake-gcp/index.ts';

const PARENT = 'projects/fake-project/locations/us-central1';

describe('fake Batch with Podman containers', async () => {
  const e = await engineOrReason();
  const skip = typeof e === 'string' ? `${e}; install one with containers/setup-podman.sh` : false;
  let engine: Engine;
  let image: string;
  let md: FakeMetadata;
  let fake: FakeBatch;
  let client: v1.BatchServiceClient;
  let savedHost: string | undefined;
  const leftovers = async (uid: string) => (await engine.docker.listContainers({ all: true, filters: { label: [`${FAKE_BATCH_LABEL}=${uid}`] } })).length;

  before(async () => {
    if (skip) return;
    engine = e as Engine;
    image = await runnerImage(engine);
    md = await startFakeMetadata();
    savedHost = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = md.host;
    fake = await startFakeBatch({ tokens: md.tokens, executor: podmanExecutor({ docker: engine.docker }) });
    client = new v1.BatchServiceClient(fake.clientOptions);
  });
  after(async () => {
    if (skip) return;
    await client.close();
    await fake.close();
    await md.close();
    if (savedHost === undefined) delete process.env.GCE_METADATA_HOST;
    else process.env.GCE_METADATA_HOST = savedHost;
  });

  test('each task runs in a container of the job\'s image on the host network and sees its own VM', { skip }, async () => {
    const script = [
      'echo "index=$BATCH_TASK_INDEX count=$BATCH_TASK_COUNT user=$(id -un)"',
      // the VM's metadata server, reached over the host network from inside the container
      'node -e "fetch(\'http://\' + process.env.GCE_METADATA_HOST + \'/computeMetadata/v1/instance/name\', { headers: { \'Metadata-Flavor\': \'Google\' } }).then(r => r.text()).then(t => console.log(\'vm=\' + t))"',
    ].join('; ');
    const [job] = await client.createJob({
      parent: PARENT,
      jobId: 'podman-ok',
      job: { taskGroups: [{ taskCount: 2, taskCountPerNode: 1, taskSpec: { runnables: [{ container: { imageUri: image, entrypoint: '/bin/bash', commands: ['-c', script] } }] } }] },
    });
    await fake.settled(job.name!);
    const vms = fake.vms(job.name!);
    for (let i = 0; i < 2; i++) {
      const logs = fake.taskLogs(job.name!, i).join('\n');
      assert.match(logs, new RegExp(`index=${i} count=2 user=agent`), logs);
      assert.match(logs, new RegExp(`vm=${vms[i]!.name}`), logs);
    }
    assert.equal(fake.job(job.name!)?.status.state, 'SUCCEEDED');
    assert.equal(await leftovers(fake.job(job.name!)!.uid), 0, 'containers removed');
  });

  test('a container that exits non-zero fails its task after the retries; deleting a job stops its containers', { skip }, async () => {
    const [bad] = await client.createJob({
      parent: PARENT,
      jobId: 'podman-fail',
      job: { taskGroups: [{ taskSpec: { maxRetryCount: 1, runnables: [{ container: { imageUri: image, entrypoint: '/bin/bash', commands: ['-c', 'echo boom; exit 4'] } }] } }] },
    });
    await fake.settled(bad.name!);
    const [task] = await client.getTask({ name: `${bad.name}/taskGroups/group0/tasks/0` });
    assert.equal(task.status?.state, 'FAILED');
    assert.equal(task.status?.statusEvents?.at(-1)?.taskExecution?.exitCode, 4);
    assert.equal(fake.taskLogs(bad.name!, 0).filter((l) => l === 'boom').length, 2);

    const [long] = await client.createJob({
      parent: PARENT,
      jobId: 'podman-long',
      job: { taskGroups: [{ taskCount: 2, taskSpec: { runnables: [{ container: { imageUri: image, entrypoint: '/bin/bash', commands: ['-c', 'echo up; sleep 600'] } }] } }] },
    });
    const uid = fake.job(long.name!)!.uid;
    await until(async () => (await leftovers(uid)) === 2 && fake.taskLogs(long.name!, 1).includes('up'), 60_000, 'two running containers');
    const [op] = await client.deleteJob({ name: long.name });
    await op.promise();
    assert.equal(await leftovers(uid), 0, 'deleting the job removed its containers');
  });
});
