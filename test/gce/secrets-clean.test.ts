/**
 * Secrets on GCE: an upstream key planted in the environment and in Secret Manager reaches
 * the VMs' proxies through `secretVariables` only — never the job JSON, the bundle, a bucket
 * object, the local results or a log line. And `agentab clean --gce` by owner liveness.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { cleanGceJobs } from '../../src/experiment/launchers/gce/clean.ts';
import { buildBatchJob } from '../../src/experiment/launchers/gce/job.ts';
import { GceLauncher } from '../../src/experiment/launchers/gce/launcher.ts';
import { parseGceOptions } from '../../src/experiment/launchers/gce/options.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { createLogger } from '../../src/util/log.ts';
import { PLANTED_SECRET_REF, plantedKeyExperiment } from './helpers.ts';
import { MemoryBatch, MemoryStorage, shardVm } from './memory-gcp.ts';

const PLANTED = 'sk-planted-7f3a9c2e4b1d8f6a0e5c3b9d';
const SECRET_REF = PLANTED_SECRET_REF;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('secrets on GCE', () => {
  test('a planted upstream key is in no job JSON, bundle, bucket object, result file or log line, yet every VM proxy had it', async () => {
    const x = plantedKeyExperiment({ name: 'planted', reps: 2, pollInterval: 0.05 });
    const spec = await loadExperiment(x.spec);
    const storage = new MemoryStorage();
    // the VMs' environment has no key of its own: only the secret store does
    const batch = new MemoryBatch(shardVm({ storage, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }), { [SECRET_REF]: PLANTED });
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    // the launching machine has the key too (a user who also runs locally)
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', PLANTED_KEY: PLANTED };
    const r = await runMatrix({
      spec,
      outRoot: x.out,
      env,
      log,
      launcher: new GceLauncher(parseGceOptions(spec.launcher.options), { batch, storage, host: 'h', pid: process.pid }),
      runId: 's1',
      progress: { start() {}, cellStarted() {}, cellFinished() {}, spend() {}, note: (l) => lines.push(l), stop() {} },
    });
    // a VM without the key could not have started its proxy: every cell would be infra
    assert.equal(r.records.length, 4);
    assert.ok(r.records.every((rec) => rec.outcome === 'pass' && rec.calls === 2), JSON.stringify(r.records.map((rec) => [rec.outcome, rec.runnerReported.error])));

    const job = JSON.stringify(batch.created[0]!.job);
    assert.ok(job.includes(SECRET_REF), 'the job references the secret');
    assert.ok(!job.includes(PLANTED), 'job JSON');
    for (const [name, data] of storage.objects) {
      const text = name.endsWith('.tar.gz') ? gunzipSync(data).toString('latin1') : data.toString('latin1');
      assert.ok(!text.includes(PLANTED), `bucket object ${name}`);
    }
    for (const f of filesUnder(r.runDir)) assert.ok(!readFileSync(f, 'latin1').includes(PLANTED), `result file ${f}`);
    assert.ok(lines.length > 0 && !lines.join('\n').includes(PLANTED), 'log and progress lines');
    assert.ok(!JSON.stringify(r.records).includes(PLANTED), 'records');
  });

  test('the launching machine needs no copy of a key the VMs get from Secret Manager', async () => {
    const options = parseGceOptions({ project: 'test-project', secrets: { ANTHROPIC_API_KEY: 'anthropic-key' } });
    const launcher = new GceLauncher(options, { batch: new MemoryBatch(async () => 0), storage: new MemoryStorage() });
    assert.deepEqual(launcher.remoteSecrets, ['ANTHROPIC_API_KEY']);
  });
});

describe('agentab clean --gce', () => {
  test('deletes the jobs of dead local runs, keeps live ones and (without --all) other hosts\'', async () => {
    const batch = new MemoryBatch((_env, signal) => new Promise<number>((resolve) => signal.addEventListener('abort', () => resolve(1), { once: true })));
    const options = parseGceOptions({ project: 'test-project' });
    const submit = (runId: string, host: string, pid: number) =>
      batch.createJob('projects/test-project/locations/us-central1', `agentab-${runId}`, buildBatchJob({ options, runId, experiment: 'e', runUri: `gs://b/agentab/e/${runId}`, taskCount: 1, maxRunSeconds: 60, owner: { host, pid } }));
    await submit('dead', 'my-host', 999_999_999);
    await submit('live', 'my-host', process.pid);
    await submit('elsewhere', 'other-host', 1);
    await batch.createJob('projects/test-project/locations/us-central1', 'not-ours', { labels: { team: 'x' }, taskGroups: [{ taskCount: '1', taskSpec: { maxRetryCount: 0, environment: { variables: {} } } }] });
    const parent = 'projects/test-project/locations/us-central1';
    const dry = await cleanGceJobs({ batch, parent, host: 'my-host', dryRun: true });
    assert.deepEqual(dry.deleted.map((j) => j.run), ['dead']);
    assert.equal(batch.jobs.size, 4, 'a dry run deletes nothing');
    const r = await cleanGceJobs({ batch, parent, host: 'my-host' });
    assert.deepEqual(r.deleted.map((j) => [j.run, j.liveness]), [['dead', 'dead']]);
    assert.deepEqual(r.kept.map((j) => [j.run, j.liveness]).sort(), [['elsewhere', 'unknown'], ['live', 'alive']]);
    const all = await cleanGceJobs({ batch, parent, host: 'my-host', all: true });
    assert.deepEqual(all.deleted.map((j) => j.run), ['elsewhere'], '--all takes other hosts\' jobs, never a live run\'s');
    assert.deepEqual([...batch.jobs.keys()].map((n) => n.split('/').at(-1)).sort(), ['agentab-live', 'not-ours']);
    await batch.deleteJob(`${parent}/jobs/agentab-live`);
    await batch.deleteJob(`${parent}/jobs/not-ours`);
  });
});
