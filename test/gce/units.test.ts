/**
 * Pure parts of the GCE launcher: sharding, options and flags, the Batch Job (checked
 * against the Batch v1 protos inside @google-cloud/batch, and golden), the input bundle.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { addGceOptions, gceOverridesFromFlags } from '../../src/cli/commands/gce-flags.ts';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { extractArchive } from '../../src/experiment/launchers/archive.ts';
import { buildBundle, readBundleManifest } from '../../src/experiment/launchers/gce/bundle.ts';
import { buildBatchJob, jobIdFor } from '../../src/experiment/launchers/gce/job.ts';
import { protoProblems } from '../../src/experiment/launchers/gce/job-proto.ts';
import { GCE_DEFAULTS, parseGceOptions } from '../../src/experiment/launchers/gce/options.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import { blockCount, pairKey, parseShard, shardCells } from '../../src/experiment/shard.ts';
import { tempDir, writeExperiment } from '../experiment/helpers.ts';

const GOLDEN = fileURLToPath(new URL('./fixtures/job.golden.json', import.meta.url));

function matrix(reps = 3) {
  return writeExperiment(
    `name: shardx
runners: [{ name: cmd, kind: command, command: "true" }, { name: cmd2, kind: command, command: "true" }]
conditions: [{ name: a }, { name: b }, { name: c }]
tasks: tasks/*.yaml
reps: ${reps}
`,
    { t1: 'prompt: p\n', t2: 'prompt: p\nexpected: { seconds: 300 }\n', t3: 'prompt: p\n' },
  );
}

describe('sharding', () => {
  test('keeps every condition of a block on one shard, balances estimated time, and is deterministic', async () => {
    const spec = await loadExperiment(matrix().spec);
    const plan = buildPlan(spec);
    const est = (c: (typeof plan.cells)[number]) => (c.task.id === 't2' ? 300_000 : 60_000);
    const s = shardCells(plan.cells, 4, est);
    assert.deepEqual(shardCells(plan.cells, 4, est), s, 'same input, same shards');
    assert.equal(s.cells.flat().length, plan.cells.length);
    assert.equal(new Set(s.cells.flat()).size, plan.cells.length, 'every cell in exactly one shard');
    const shardOf = new Map(s.cells.flatMap((ids, i) => ids.map((id) => [id, i] as const)));
    for (const c of plan.cells) for (const d of plan.cells) if (pairKey(c) === pairKey(d)) assert.equal(shardOf.get(c.id), shardOf.get(d.id));
    // 18 blocks: 6 of 900 s, 12 of 180 s = 7560 s over 4 → LPT gives 1980/1980/1800/1800
    assert.deepEqual([...s.estimatedMs].sort((a, b) => b - a), [1_980_000, 1_980_000, 1_800_000, 1_800_000]);
    // each shard keeps run order
    const pos = new Map(plan.cells.map((c, i) => [c.id, i]));
    for (const ids of s.cells) assert.deepEqual(ids, [...ids].sort((a, b) => pos.get(a)! - pos.get(b)!));
    assert.equal(blockCount(plan.cells), 18);
    // more shards than blocks: the extra shards are empty
    assert.equal(shardCells(plan.cells, 20, est).cells.filter((x) => x.length === 0).length, 2);
  });

  test('parses i/N and refuses what is not a shard', () => {
    assert.deepEqual(parseShard('0/3'), { index: 0, count: 3 });
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    for (const bad of ['3/3', '1', '-1/2', '1/0', 'a/b']) assert.throws(() => parseShard(bad), /--shard: expected <index>\/<count>/);
  });
});

describe('gce options and flags', () => {
  test('defaults are the documented ones and derive from the project', () => {
    const o = parseGceOptions({ project: 'my-proj' });
    assert.equal(o.region, GCE_DEFAULTS.region);
    assert.equal(o.machineType, 'e2-standard-4');
    assert.equal(o.vms, 3);
    assert.equal(o.cellsPerVm, 1);
    assert.equal(o.spot, true);
    assert.equal(o.maxRetries, 2);
    assert.equal(o.image, 'us-central1-docker.pkg.dev/my-proj/agentab/runner:latest');
    assert.equal(o.bucket, 'my-proj-agentab');
    assert.equal(o.serviceAccount, 'agentab-runner@my-proj.iam.gserviceaccount.com');
  });

  test('camelCase keys as in the issue are accepted; unknown keys and bad values are refused with the key', () => {
    const o = parseGceOptions({ project: 'my-proj', machineType: 'n2-standard-8', cellsPerVm: 2, serviceAccount: 'x@y.iam.gserviceaccount.com', secrets: { K: 'anthropic-key', L: 'projects/p/secrets/s/versions/3' } });
    assert.equal(o.machineType, 'n2-standard-8');
    assert.equal(o.cellsPerVm, 2);
    assert.deepEqual(o.secrets, { K: 'projects/my-proj/secrets/anthropic-key/versions/latest', L: 'projects/p/secrets/s/versions/3' });
    assert.throws(() => parseGceOptions({ project: 'my-proj', zone: 'x' }), /unknown key\(s\) zone/);
    assert.throws(() => parseGceOptions({ project: 'my-proj', vms: 0 }), /launcher\.vms/);
    assert.throws(() => parseGceOptions({ project: 'my-proj', labels: { Bad: 'x' } }), /launcher\.labels\.Bad/);
    assert.throws(() => parseGceOptions({}), /launcher\.project: no GCP project given/);
    assert.equal(parseGceOptions({}, { env: { project: 'env-proj' } }).project, 'env-proj');
    assert.equal(parseGceOptions({}, { forPlan: true }).projectIsPlaceholder, true);
  });

  test('every option is a flag, and flags become spec overrides that need --launcher gce', async () => {
    const cmd = addGceOptions(new Command().exitOverride());
    cmd.parse(['--gce-project', 'p-123456', '--gce-vms', '5', '--gce-cells-per-vm', '2', '--no-gce-spot', '--gce-label', 'team=ml', '--gce-secret', 'ANTHROPIC_API_KEY=anthropic-key', '--gce-poll-interval', '2s', '--gce-machine-type', 'n2-standard-4'], { from: 'user' });
    const o = gceOverridesFromFlags(cmd.opts());
    assert.deepEqual(o, { project: 'p-123456', machine_type: 'n2-standard-4', vms: 5, cells_per_vm: 2, spot: false, labels: { team: 'ml' }, secrets: { ANTHROPIC_API_KEY: 'anthropic-key' }, poll_interval: '2s' });
    const parsed = parseGceOptions(o!);
    assert.equal(parsed.pollIntervalMs, 2000);
    assert.equal(parsed.spot, false);
    const flags = cmd.options.map((x) => x.long);
    for (const key of ['project', 'region', 'machine-type', 'vms', 'cells-per-vm', 'image', 'bucket', 'service-account', 'spot', 'label', 'secret', 'max-retries', 'boot-disk-gb', 'poll-interval']) assert.ok(flags.includes(`--gce-${key}`), key);
    const x = matrix(1);
    await assert.rejects(loadExperiment(x.spec, { gce: { vms: 2 } }), /--gce-\* flags apply to the gce launcher.*add --launcher gce/);
    const spec = await loadExperiment(x.spec, { launcher: 'gce', gce: { vms: 2, project: 'p-123456' } });
    assert.deepEqual(spec.launcher, { kind: 'gce', options: { vms: 2, project: 'p-123456' } });
  });
});

describe('the Batch job', () => {
  const input = () => ({
    options: parseGceOptions({ project: 'my-project', region: 'europe-west4', machine_type: 'n2-standard-4', vms: 3, labels: { team: 'ml' }, secrets: { ANTHROPIC_API_KEY: 'anthropic-key' } }),
    runId: '20261127-140000-ab12',
    experiment: 'pilot',
    runUri: 'gs://my-project-agentab/agentab/pilot/20261127-140000-ab12',
    taskCount: 3,
    maxRunSeconds: 5400,
    owner: { host: 'Laptop.local', pid: 4242 },
  });

  test('every field name and type is valid in the Batch v1 protos shipped with @google-cloud/batch', () => {
    const job = buildBatchJob(input());
    assert.deepEqual(protoProblems('google.cloud.batch.v1.Job', job), []);
    assert.deepEqual(protoProblems('google.cloud.batch.v1.Job', buildBatchJob({ ...input(), options: parseGceOptions({ project: 'my-project', spot: false }) })), []);
  });

  test('the check catches what the client would silently drop', () => {
    const job = buildBatchJob(input()) as { taskGroups: Record<string, unknown>[]; allocationPolicy: { instances: { policy: Record<string, unknown> }[] } };
    job.taskGroups[0]!.taskCountPerVm = '1';
    job.allocationPolicy.instances[0]!.policy.provisioningModel = 'SPOTTY';
    (job.taskGroups[0]!.taskSpec as Record<string, unknown>).maxRetryCount = '2';
    const p = protoProblems('google.cloud.batch.v1.Job', job);
    assert.equal(p.length, 3, p.join('\n'));
    assert.match(p.join('\n'), /taskGroups\[0\]\.taskCountPerVm: no such field in google\.cloud\.batch\.v1\.TaskGroup/);
    assert.match(p.join('\n'), /"SPOTTY" is not a ProvisioningModel/);
    assert.match(p.join('\n'), /maxRetryCount: expected an integer \(int32\)/);
  });

  test('matches the golden job (one task group, one task per VM, fixed machine type, spot, labels, retries, secret references)', () => {
    const job = buildBatchJob(input());
    const text = JSON.stringify(job, null, 2) + '\n';
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
    assert.equal(text, readFileSync(GOLDEN, 'utf8'));
    assert.equal(jobIdFor('20261127-140000-ab12', 1), 'agentab-20261127-140000-ab12');
    assert.equal(jobIdFor('20261127-140000-ab12', 2), 'agentab-20261127-140000-ab12-r2');
  });
});

describe('the input bundle', () => {
  test('holds the spec, tasks and a bundle.json a VM re-plans the same matrix from; no dotenv files', async () => {
    const x = matrix(2);
    writeFileSync(path.join(x.dir, '.env'), 'SECRET=1\n');
    const spec = await loadExperiment(x.spec, { conditions: ['a', 'c'], launcher: 'gce' });
    const plan = buildPlan(spec);
    const shards = shardCells(plan.cells, 2, () => 1);
    const b = await buildBundle({ spec, overrides: { conditions: ['a', 'c'] }, runId: 'r1', shards, cellsPerVm: 2, shardBudget: { usd: 2.5 } });
    const dir = tempDir();
    await extractArchive(Readable.from(gunzipSync(b.tarGz)), dir);
    assert.ok(existsSync(path.join(dir, 'experiment.yaml')));
    assert.ok(existsSync(path.join(dir, 'tasks', 't1.yaml')));
    assert.ok(!existsSync(path.join(dir, '.env')), 'dotenv files stay home');
    const m = await readBundleManifest(dir);
    assert.equal(m.runId, 'r1');
    assert.deepEqual(m.shards.cells, shards.cells);
    assert.equal(m.overrides.launcher, 'local');
    assert.equal(m.overrides.concurrency, 2);
    assert.equal(m.overrides.budgetUsd, 2.5);
    const vmSpec = await loadExperiment(path.join(dir, m.spec), m.overrides, dir);
    assert.deepEqual(buildPlan(vmSpec).cells.map((c) => [c.id, c.index, c.block]), plan.cells.map((c) => [c.id, c.index, c.block]), 'the VM plans the same cells, order and blocks');
  });

  test('refuses a proxy config with a literal key, naming the key', async () => {
    const x = writeExperiment(
      `name: sec
runners: [{ name: cmd, kind: command, command: "true" }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
proxy:
  model_list:
    - model_name: shared-model
      litellm_params: { model: anthropic/claude-x, api_key: sk-ant-planted-0000, input_cost_per_token: 0.1 }
`,
      { t1: 'prompt: p\n' },
    );
    const spec = await loadExperiment(x.spec);
    await assert.rejects(
      buildBundle({ spec, overrides: {}, runId: 'r', shards: shardCells(buildPlan(spec).cells, 1, () => 1), cellsPerVm: 1, shardBudget: {} }),
      (e: Error) => /proxy\.model_list\[0\]\.litellm_params\.api_key: a literal secret/.test(e.message) && !e.message.includes('sk-ant-planted'),
    );
  });
});
