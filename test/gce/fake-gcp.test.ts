/**
 * The fake Google services, driven by Google's own clients: @google-cloud/batch (REST
 * fallback), @google-cloud/storage and google-auth-library. What these tests pin is that the
 * fakes answer what the official clients send, and behave as the services do where the GCE
 * launcher depends on it (job lifecycle, retries, secrets, deletion, pagination, resumable
 * uploads, metadata tokens).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { v1 } from '@google-cloud/batch';
import { Storage } from '@google-cloud/storage';
import { GoogleAuth } from 'google-auth-library';
import { checkProto3Json, startFakeBatch, startFakeGcs, startFakeMetadata, type FakeBatch, type FakeMetadata } from '../helpers/fake-gcp/index.ts';

const PARENT = 'projects/fake-project/locations/us-central1';

/**
 * Through the REST fallback, google-auth-library's fetch throws on a non-2xx answer before
 * google-gax decodes it: the error's `code` is the HTTP status (404), not the gRPC code (5).
 * Either is accepted, so the tests hold whichever path a client version takes.
 */
const status = (http: number, grpc: number) => (e: { code?: number }) => e.code === http || e.code === grpc;

function scriptJob(text: string, more: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return { taskGroups: [{ taskCount: 1, taskSpec: { runnables: [{ script: { text } }], ...spec }, ...more }] };
}

describe('fake metadata server', () => {
  test('google-auth-library gets a token, the project and the instance through GCE_METADATA_HOST', async () => {
    const md = await startFakeMetadata({ projectId: 'p-1', vm: { name: 'vm-7', zone: 'europe-west4-b', machineType: 'c3-standard-8' } });
    const saved = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = md.host;
    try {
      const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      const token = await auth.getAccessToken();
      assert.ok(token && md.tokens.has(token), 'the token is one the server issued');
      assert.equal(await auth.getProjectId(), 'p-1');
      const client = await auth.getClient();
      assert.equal(client.constructor.name, 'Compute', 'ADC found "GCE" through the metadata server');
      const res = await fetch(`http://${md.host}/computeMetadata/v1/instance/zone`, { headers: { 'Metadata-Flavor': 'Google' } });
      assert.equal(await res.text(), 'projects/123456789012/zones/europe-west4-b');
      const noHeader = await fetch(`http://${md.host}/computeMetadata/v1/instance/name`);
      assert.equal(noHeader.status, 403, 'like a VM, it refuses requests without Metadata-Flavor');
    } finally {
      if (saved === undefined) delete process.env.GCE_METADATA_HOST;
      else process.env.GCE_METADATA_HOST = saved;
      await md.close();
    }
  });
});

describe('fake Batch API with the official client', () => {
  let md: FakeMetadata;
  let fake: FakeBatch;
  let client: v1.BatchServiceClient;
  let savedHost: string | undefined;

  before(async () => {
    md = await startFakeMetadata();
    savedHost = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = md.host;
    fake = await startFakeBatch({ tokens: md.tokens });
    client = new v1.BatchServiceClient(fake.clientOptions);
  });
  after(async () => {
    await client.close();
    await fake.close();
    await md.close();
    if (savedHost === undefined) delete process.env.GCE_METADATA_HOST;
    else process.env.GCE_METADATA_HOST = savedHost;
  });

  test('a job runs QUEUED → SCHEDULED → RUNNING → SUCCEEDED, one task per VM, with the task index and count', async () => {
    const [job] = await client.createJob({
      parent: PARENT,
      jobId: 'ok-1',
      job: {
        labels: { 'agentab-run': 'r1' },
        taskGroups: [{ taskCount: 3, taskCountPerNode: 1, taskSpec: { runnables: [{ script: { text: 'echo "task $BATCH_TASK_INDEX of $BATCH_TASK_COUNT on $GCE_METADATA_HOST"' } }] } }],
        allocationPolicy: { instances: [{ policy: { machineType: 'n2-standard-2', provisioningModel: 'SPOT' } }], location: { allowedLocations: ['zones/us-central1-f'] } },
      },
    });
    assert.equal(job.name, `${PARENT}/jobs/ok-1`);
    assert.equal(job.status?.state, 'QUEUED');
    await fake.settled(job.name!);
    const [done] = await client.getJob({ name: job.name });
    assert.equal(done.status?.state, 'SUCCEEDED');
    const states = done.status!.statusEvents!.map((e) => /to (\w+) for job/.exec(e.description ?? '')?.[1]);
    assert.deepEqual(states, ['SCHEDULED', 'RUNNING', 'SUCCEEDED']);
    assert.deepEqual(done.status?.taskGroups?.group0?.counts, { SUCCEEDED: '3' });
    assert.equal(done.status?.taskGroups?.group0?.instances?.[0]?.provisioningModel, 'SPOT');
    const vms = fake.vms(job.name!);
    assert.equal(vms.length, 3, 'taskCountPerNode 1: a VM per task');
    assert.ok(vms.every((v) => v.zone === 'us-central1-f' && v.machineType === 'n2-standard-2'));
    assert.equal(new Set(vms.map((v) => v.name)).size, 3);
    for (let i = 0; i < 3; i++) assert.match(fake.taskLogs(job.name!, i).join('\n'), new RegExp(`task ${i} of 3 on 127\\.0\\.0\\.1:\\d+`));
    const [tasks] = await client.listTasks({ parent: `${job.name}/taskGroups/group0` });
    assert.deepEqual(tasks.map((t) => [t.name?.split('/').pop(), t.status?.state]), [['0', 'SUCCEEDED'], ['1', 'SUCCEEDED'], ['2', 'SUCCEEDED']]);
    const [task] = await client.getTask({ name: `${job.name}/taskGroups/group0/tasks/1` });
    assert.equal(task.status?.statusEvents?.at(-1)?.taskExecution?.exitCode, 0);
  });

  test('taskCountPerNode packs tasks onto fewer VMs', async () => {
    const [job] = await client.createJob({ parent: PARENT, jobId: 'packed', job: scriptJob('true', { taskCount: 4, taskCountPerNode: 2 }) });
    await fake.settled(job.name!);
    assert.equal(fake.vms(job.name!).length, 2);
    assert.equal(fake.job(job.name!)?.status.state, 'SUCCEEDED');
  });

  test('a failing task is retried maxRetryCount times, then the job fails with its exit code', async () => {
    const [job] = await client.createJob({
      parent: PARENT,
      jobId: 'retry',
      job: scriptJob('echo attempt $BATCH_TASK_RETRY_ATTEMPT; [ "$BATCH_TASK_INDEX" = 0 ] || [ "$BATCH_TASK_RETRY_ATTEMPT" = 1 ] || exit 3', { taskCount: 3 }, { maxRetryCount: 1 }),
    });
    await fake.settled(job.name!);
    assert.equal(fake.job(job.name!)?.status.state, 'SUCCEEDED', 'tasks 1 and 2 succeed on their retry');
    assert.match(fake.taskLogs(job.name!, 2).join('\n'), /attempt 0[\s\S]*attempt 1/);
    const [hopeless] = await client.createJob({ parent: PARENT, jobId: 'retry-fail', job: scriptJob('echo try; exit 7', {}, { maxRetryCount: 2 }) });
    await fake.settled(hopeless.name!);
    const [task] = await client.getTask({ name: `${hopeless.name}/taskGroups/group0/tasks/0` });
    assert.equal(task.status?.state, 'FAILED');
    assert.equal(task.status?.statusEvents?.at(-1)?.taskExecution?.exitCode, 7);
    assert.equal(fake.taskLogs(hopeless.name!, 0).filter((l) => l === 'try').length, 3, 'one run and two retries');
    const [failed] = await client.getJob({ name: hopeless.name });
    assert.equal(failed.status?.state, 'FAILED');
  });

  test('environment layers and secretVariables from Secret Manager reach the task; an unknown secret fails it', async () => {
    const version = fake.secrets.add('fake-project', 'upstream-key', 's3cr3t-value');
    const [job] = await client.createJob({
      parent: PARENT,
      jobId: 'env',
      job: {
        taskGroups: [{
          taskCount: 2,
          taskEnvironments: [{ variables: { WHO: 'zero' } }, { variables: { WHO: 'one' } }],
          taskSpec: {
            environment: { variables: { SPEC: 'spec', WHO: 'spec' } },
            runnables: [{ script: { text: 'echo "$SPEC $WHO $RUNNABLE ${#KEY} $KEY"' }, environment: { variables: { RUNNABLE: 'r' }, secretVariables: { KEY: 'projects/fake-project/secrets/upstream-key/versions/latest' } } }],
          },
        }],
      },
    });
    await fake.settled(job.name!);
    assert.deepEqual(fake.taskLogs(job.name!, 0), ['spec zero r 12 s3cr3t-value']);
    assert.deepEqual(fake.taskLogs(job.name!, 1), ['spec one r 12 s3cr3t-value']);
    assert.ok(fake.secrets.accessed.includes('projects/fake-project/secrets/upstream-key/versions/latest'));
    assert.match(version, /versions\/1$/);
    const [bad] = await client.createJob({
      parent: PARENT,
      jobId: 'env-missing',
      job: { taskGroups: [{ taskSpec: { runnables: [{ script: { text: 'true' }, environment: { secretVariables: { K: 'projects/fake-project/secrets/nope/versions/latest' } } }] } }] },
    });
    await fake.settled(bad.name!);
    assert.equal(fake.job(bad.name!)?.status.state, 'FAILED');
    const [task] = await client.getTask({ name: `${bad.name}/taskGroups/group0/tasks/0` });
    assert.match(task.status?.statusEvents?.at(-1)?.description ?? '', /secret.*nope.*not found/i);
  });

  test('deleting a running job stops its tasks and removes it; the delete operation completes', async () => {
    const [job] = await client.createJob({ parent: PARENT, jobId: 'long', job: scriptJob('echo started; sleep 600', { taskCount: 2 }) });
    for (let i = 0; i < 200 && fake.job(job.name!)?.status.state !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 200 && fake.runningTasks() < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.runningTasks(), 2);
    const [op] = await client.deleteJob({ name: job.name, reason: 'test' });
    await op.promise();
    assert.equal(fake.runningTasks(), 0, 'no task process left');
    await assert.rejects(client.getJob({ name: job.name }), status(404, 5));
  });

  test('cancel stops the tasks and leaves the job CANCELLED', async () => {
    const [job] = await client.createJob({ parent: PARENT, jobId: 'cancel-me', job: scriptJob('sleep 600') });
    for (let i = 0; i < 200 && fake.runningTasks() < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const [op] = await client.cancelJob({ name: job.name });
    await op.promise();
    const [j] = await client.getJob({ name: job.name });
    assert.equal(j.status?.state, 'CANCELLED');
    assert.equal(fake.runningTasks(), 0);
  });

  test('maxRunDuration kills a task that runs too long', async () => {
    const [job] = await client.createJob({ parent: PARENT, jobId: 'too-long', job: scriptJob('sleep 600', {}, { maxRunDuration: { seconds: 1 } }) });
    await fake.settled(job.name!);
    const [task] = await client.getTask({ name: `${job.name}/taskGroups/group0/tasks/0` });
    assert.equal(task.status?.state, 'FAILED');
    assert.equal(task.status?.statusEvents?.at(-1)?.taskExecution?.exitCode, 50005);
  });

  test('list filters by label and state and pages', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) await client.createJob({ parent: PARENT, jobId: id, job: { ...scriptJob('true'), labels: { tool: 'agentab', run: id } } });
    const [labelled] = await client.listJobs({ parent: PARENT, filter: 'labels.tool="agentab"' });
    assert.deepEqual(labelled.map((j) => j.name?.split('/').pop()).sort(), ['page-a', 'page-b', 'page-c']);
    const [one] = await client.listJobs({ parent: PARENT, filter: 'labels.tool="agentab" AND labels.run="page-b"' });
    assert.deepEqual(one.map((j) => j.labels?.run), ['page-b']);
    const [firstPage, next] = await client.listJobs({ parent: PARENT, filter: 'labels.tool:*', pageSize: 2 }, { autoPaginate: false });
    assert.equal(firstPage.length, 2);
    assert.ok(next?.pageToken, 'a next page token');
    const [rest] = await client.listJobs({ ...next!, parent: PARENT }, { autoPaginate: false });
    assert.equal(rest.length, 1);
    await assert.rejects(client.listJobs({ parent: PARENT, filter: 'labels.tool~"x"' }), status(400, 3));
  });

  test('the API refuses what Google refuses: duplicate ids, bad ids, no runnables, and requests without a valid token', async () => {
    await client.createJob({ parent: PARENT, jobId: 'dup', job: scriptJob('true') });
    await assert.rejects(client.createJob({ parent: PARENT, jobId: 'dup', job: scriptJob('true') }), status(409, 6));
    await assert.rejects(client.createJob({ parent: PARENT, jobId: 'Bad_Id', job: scriptJob('true') }), status(400, 3));
    await assert.rejects(client.createJob({ parent: PARENT, jobId: 'empty', job: { taskGroups: [{ taskSpec: { runnables: [] } }] } }), status(400, 3));
    const res = await fetch(`${fake.url}/v1/${PARENT}/jobs`, { headers: { authorization: 'Bearer not-issued' } });
    assert.equal(res.status, 401);
    const raw = await fetch(`${fake.url}/v1/${PARENT}/jobs?jobId=raw`, {
      method: 'POST',
      headers: { authorization: `Bearer ${[...md.tokens][0]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ taskGroups: [{ taskSpec: { runnables: [{ script: { text: 'true' } }] }, taskCount: 'three', tasksPerNode: 1 }] }),
    });
    assert.equal(raw.status, 400);
    const body = (await raw.json()) as { error: { message: string; status: string } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.match(body.error.message, /Unknown name "tasksPerNode" at 'job\.task_groups\[0\]'/);
    assert.match(body.error.message, /Invalid value at 'job\.task_groups\[0\]\.task_count'/);
  });

  test('the client sends numeric enums and reads them back', async () => {
    const [job] = await client.createJob({ parent: PARENT, jobId: 'enums', job: { ...scriptJob('true'), logsPolicy: { destination: 'CLOUD_LOGGING' } } });
    assert.equal(job.logsPolicy?.destination, 'CLOUD_LOGGING');
    const sent = fake.requests.find((r) => r.method === 'POST' && r.url.includes('jobId=enums'))!;
    assert.match(sent.url, /enum-encoding%3Dint|enum-encoding=int/);
    assert.equal((JSON.parse(sent.body) as { logsPolicy: { destination: unknown } }).logsPolicy.destination, 1);
  });
});

describe('checkProto3Json against the Batch v1 protos', () => {
  test('accepts a full job and names every bad field the way Google does', () => {
    const good = {
      labels: { a: 'b' },
      taskGroups: [{
        taskCount: '3', taskCountPerNode: 1, parallelism: 3,
        taskSpec: {
          maxRetryCount: 2, maxRunDuration: '3600s',
          computeResource: { cpuMilli: '2000', memoryMib: 4096 },
          runnables: [{ container: { imageUri: 'us-docker.pkg.dev/p/r/i:t', commands: ['/opt/agentab/vm/task-entry.sh'], options: '--network host' }, environment: { variables: { A: 'b' }, secretVariables: { K: 'projects/p/secrets/s/versions/latest' } } }],
        },
      }],
      allocationPolicy: { location: { allowedLocations: ['regions/us-central1'] }, instances: [{ policy: { machineType: 'e2-standard-4', provisioningModel: 'SPOT' } }], serviceAccount: { email: 'sa@p.iam.gserviceaccount.com' } },
      logsPolicy: { destination: 'CLOUD_LOGGING' },
    };
    assert.deepEqual(checkProto3Json('Job', good), []);
    const bad = { taskGroups: [{ taskSpec: { runnables: [{ container: { image: 'x' } }], maxRunDuration: 3600 } }], allocationPolicy: { instances: [{ policy: { provisioningModel: 'CHEAP' } }] }, labels: { a: 1 } };
    const problems = checkProto3Json('Job', bad);
    assert.deepEqual(problems.map((p) => /'([^']+)'/.exec(p)?.[1]).sort(), [
      'job.allocation_policy.instances[0].policy.provisioning_model',
      'job.labels["a"]',
      'job.task_groups[0].task_spec.max_run_duration',
      'job.task_groups[0].task_spec.runnables[0].container',
    ]);
  });
});

describe('fake GCS with @google-cloud/storage', () => {
  test('uploads of every kind, list with prefix, delimiter and pages, download, delete, preconditions', async () => {
    const gcs = await startFakeGcs({ buckets: ['bkt'] });
    try {
      const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'fake-project' });
      const bucket = storage.bucket('bkt');
      await bucket.file('run/a.txt').save('alpha', { resumable: false });
      const big = Buffer.alloc(600 * 1024, 7);
      await bucket.file('run/big.bin').save(big, { resumable: true, chunkSize: 256 * 1024 });
      await bucket.file('run/cells/c1/record.json').save('{"x":1}', { resumable: true, contentType: 'application/json' });
      await bucket.file('other/z').save('z', { resumable: false });
      const kinds = gcs.requests.filter((r) => r.url.startsWith('/upload')).map((r) => `${r.method} ${new URL(r.url, 'http://x').searchParams.get('uploadType')}`);
      assert.ok(kinds.includes('POST multipart') && kinds.includes('POST resumable') && kinds.filter((k) => k === 'PUT resumable').length >= 3, kinds.join(', '));

      const [files] = await bucket.getFiles({ prefix: 'run/' });
      assert.deepEqual(files.map((f) => f.name), ['run/a.txt', 'run/big.bin', 'run/cells/c1/record.json']);
      const [page1, next] = await bucket.getFiles({ prefix: 'run/', maxResults: 2, autoPaginate: false });
      assert.deepEqual(page1.map((f) => f.name), ['run/a.txt', 'run/big.bin']);
      const [page2] = await bucket.getFiles({ ...(next as object), prefix: 'run/', maxResults: 2, autoPaginate: false });
      assert.deepEqual(page2.map((f) => f.name), ['run/cells/c1/record.json']);
      const [, , dirs] = await bucket.getFiles({ prefix: 'run/', delimiter: '/', autoPaginate: false });
      assert.deepEqual((dirs as { prefixes?: string[] }).prefixes, ['run/cells/']);

      assert.deepEqual((await bucket.file('run/big.bin').download())[0], big, 'the bytes, validated by the client against x-goog-hash');
      const [meta] = await bucket.file('run/cells/c1/record.json').getMetadata();
      assert.equal(meta.contentType, 'application/json');
      assert.equal(meta.size, '7');

      await assert.rejects(bucket.file('run/a.txt').save('again', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }), (e: { code?: number }) => e.code === 412);
      await bucket.file('run/a.txt').delete();
      assert.deepEqual(gcs.list('bkt', 'run/'), ['run/big.bin', 'run/cells/c1/record.json']);
      await assert.rejects(bucket.file('run/a.txt').download(), (e: { code?: number }) => e.code === 404);
      await assert.rejects(storage.bucket('nope').file('x').save('x', { resumable: false }), (e: { code?: number }) => e.code === 404);
    } finally {
      await gcs.close();
    }
  });

  test('an injected upload failure is retried by the client and the object lands once', async () => {
    const gcs = await startFakeGcs({ buckets: ['bkt'] });
    try {
      const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'fake-project', retryOptions: { autoRetry: true, maxRetries: 3 } });
      gcs.failUploads(1);
      await storage.bucket('bkt').file('x.json').save('{}', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
      assert.equal(gcs.read('bkt', 'x.json')?.toString(), '{}');
      assert.equal(gcs.requests.filter((r) => r.url.startsWith('/upload')).length, 2);
    } finally {
      await gcs.close();
    }
  });
});
