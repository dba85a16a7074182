/**
 * vm/task-entry.sh, the runnable of every GCE Batch task, run by the fake Batch as a local
 * process with the task environment Batch gives it: it fetches and unpacks the run's input
 * bundle from (fake) Cloud Storage with Google's client, runs `run-matrix --bundle <dir>
 * --shard i/N --results-uri <run>/shard-i` (here a stand-in CLI that records its call), maps
 * "some cells failed" to success and a crashed shard to a retried task, and passes SIGTERM on
 * when the job is deleted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { v1 } from '@google-cloud/batch';
import { execa } from 'execa';
import { tempDir } from '../experiment/helpers.ts';
import { startFakeBatch, startFakeGcs, startFakeMetadata, type FakeBatch, type FakeGcs, type FakeMetadata } from '../helpers/fake-gcp/index.ts';
import { entryScriptExecutor } from './helpers.ts';

const ENTRY = fileURLToPath(new URL('../../vm/task-entry.sh', import.meta.url));
const FAKE_CLI = fileURLToPath(new URL('./fixtures/fake-cli.mjs', import.meta.url));
const PARENT = 'projects/fake-project/locations/us-central1';
const RUN = 'agentab/e/run-1';

async function bundleTarGz(): Promise<Buffer> {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'experiments'));
  writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify({ v: 1, experiment: 'e', runId: 'run-1', spec: 'experiments/e.yaml', overrides: {}, shards: { count: 2, cells: [['a'], ['b']] } }));
  writeFileSync(path.join(dir, 'experiments', 'e.yaml'), 'name: e\n');
  const out = path.join(tempDir(), 'bundle.tar.gz');
  await execa('tar', ['-czf', out, '-C', dir, '.']);
  return readFileSync(out);
}

describe('vm/task-entry.sh under the fake Batch', () => {
  let gcs: FakeGcs;
  let md: FakeMetadata;
  let batch: FakeBatch;
  let client: v1.BatchServiceClient;
  let savedHost: string | undefined;

  before(async () => {
    gcs = await startFakeGcs({ buckets: ['bkt'] });
    gcs.put('bkt', `${RUN}/input/bundle.tar.gz`, await bundleTarGz(), 'application/gzip');
    md = await startFakeMetadata();
    savedHost = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = md.host;
    // the image's path of the entry script, mapped to this checkout's
    batch = await startFakeBatch({ tokens: md.tokens, executor: entryScriptExecutor() });
    batch.secrets.add('fake-project', 'upstream-key', 'sk-planted-secret-value');
    client = new v1.BatchServiceClient(batch.clientOptions);
  });
  after(async () => {
    await client.close();
    await batch.close();
    await gcs.close();
    await md.close();
    if (savedHost === undefined) delete process.env.GCE_METADATA_HOST;
    else process.env.GCE_METADATA_HOST = savedHost;
  });

  const submit = async (jobId: string, variables: Record<string, string>, more: { maxRetryCount?: number; runUri?: string } = {}) => {
    const [job] = await client.createJob({
      parent: PARENT,
      jobId,
      job: {
        taskGroups: [{
          taskCount: 2,
          taskCountPerNode: 1,
          taskSpec: {
            maxRetryCount: more.maxRetryCount ?? 0,
            runnables: [{ container: { imageUri: 'localhost/agentab-gce-runner:test', entrypoint: '/opt/agentab/vm/task-entry.sh', commands: [] } }],
            environment: {
              variables: { AGENTAB_RUN_URI: more.runUri ?? `gs://bkt/${RUN}`, AGENTAB_GCS_ENDPOINT: gcs.url, AGENTAB_CLI: FAKE_CLI, ...variables },
              secretVariables: { UPSTREAM_KEY: 'projects/fake-project/secrets/upstream-key/versions/latest' },
            },
          },
        }],
      },
    });
    return job.name!;
  };

  test('each task fetches the bundle and runs its shard with the results URI; failed cells are still a finished task', async () => {
    const out = tempDir();
    const name = await submit('entry-ok', { FAKE_CLI_OUT: out, FAKE_CLI_EXIT: '1' });
    await batch.settled(name);
    assert.equal(batch.job(name)?.status.state, 'SUCCEEDED', batch.taskLogs(name, 0).join('\n'));
    for (const i of [0, 1]) {
      const facts = JSON.parse(readFileSync(path.join(out, `${i}.json`), 'utf8')) as { argv: string[]; bundleJson: { runId: string }; specText: string; secret: string };
      const bundleDir = facts.argv[facts.argv.indexOf('--bundle') + 1]!;
      assert.deepEqual(facts.argv.filter((a) => a !== bundleDir), ['run-matrix', '--bundle', '--shard', `${i}/2`, '--results-uri', `gs://bkt/${RUN}/shard-${i}`, '--out', path.join(path.dirname(bundleDir), 'results'), '--log-level', 'info']);
      assert.equal(facts.bundleJson.runId, 'run-1');
      assert.equal(facts.specText, 'name: e\n');
      assert.equal(facts.secret, 'sk-planted-secret-value', 'the secret arrives as an environment variable');
      assert.match(batch.taskLogs(name, i).join('\n'), /some cells did not pass/);
    }
    assert.ok(!JSON.stringify(batch.created).includes('sk-planted-secret-value'), 'the job definition holds only the secret\'s name');
    assert.ok(!batch.taskLogs(name, 0).join('\n').includes('sk-planted-secret-value'), 'the task log does not show it');
  });

  test('a shard that crashes fails its task, which Batch retries', async () => {
    const out = tempDir();
    const name = await submit('entry-crash', { FAKE_CLI_OUT: out, FAKE_CLI_EXIT: '3' }, { maxRetryCount: 1 });
    await batch.settled(name);
    assert.equal(batch.job(name)?.status.state, 'FAILED');
    const logs = batch.taskLogs(name, 0).join('\n');
    assert.equal(logs.match(/run-matrix exited 3/g)?.length, 2, logs);
  });

  test('a missing bundle fails the task with the reason', async () => {
    const name = await submit('entry-nobundle', { FAKE_CLI_OUT: tempDir() }, { runUri: 'gs://bkt/agentab/e/absent' });
    await batch.settled(name);
    assert.equal(batch.job(name)?.status.state, 'FAILED');
    assert.match(batch.taskLogs(name, 0).join('\n'), /cannot download gs:\/\/bkt\/agentab\/e\/absent\/input\/bundle\.tar\.gz[\s\S]*cannot fetch the input bundle/);
  });

  test('deleting the job passes SIGTERM on to run-matrix', async () => {
    const out = tempDir();
    const name = await submit('entry-term', { FAKE_CLI_OUT: out, FAKE_CLI_WAIT: '1' });
    for (let i = 0; i < 600 && !(batch.taskLogs(name, 0).includes('waiting for a signal') && batch.taskLogs(name, 1).includes('waiting for a signal')); i++) await new Promise((r) => setTimeout(r, 100));
    const [op] = await client.deleteJob({ name });
    await op.promise();
    for (const i of [0, 1]) assert.equal((JSON.parse(readFileSync(path.join(out, `${i}.json`), 'utf8')) as { signal: string }).signal, 'SIGTERM');
    assert.equal(batch.runningTasks(), 0);
  });

  test('without the Batch environment it refuses to start and says what is missing', async () => {
    const r = await execa('bash', [ENTRY], { env: { PATH: process.env.PATH!, AGENTAB_RUN_URI: 'gs://bkt/x' }, extendEnv: false, reject: false });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /BATCH_TASK_INDEX must be a task index/);
  });
});
