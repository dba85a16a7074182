/**
 * The whole GCE path with no cloud, the way a user runs it, every task in a container of the
 * image the user pushed (issue 9's end-to-end test):
 *   agentab image build --with-agentab   → the runner image with agentab at /opt/agentab
 *   agentab image push --to <registry>   → a real registry (Debian's docker-registry on
 *                                          127.0.0.1), with a token from the fake metadata server
 *   agentab run-matrix --launcher gce --gce-image <pushed@digest>
 *       → the fake Batch API (Google's client, REST) pulls the image from the registry and runs
 *         each task as a Podman container (--network host, entrypoint
 *         /opt/agentab/vm/task-entry.sh, BATCH_TASK_INDEX/COUNT, its own VM's metadata host),
 *         which fetches the bundle from the fake Cloud Storage and runs its shard of the pilot
 *         (Claude Code and OpenCode on the simulator, its own proxy), mirroring cells back;
 *       → the launcher pools them: the same cells and pairing as a single-machine run.
 * No container of this test is left. Skipped with the reason without a container engine or
 * without docker-registry.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Engine } from '../../src/experiment/launchers/container/engine.ts';
import { TASK_ENTRYPOINT } from '../../src/experiment/launchers/gce/job.ts';
import { engineOrReason } from '../containers/helpers.ts';
import { tempDir } from '../experiment/helpers.ts';
import { podmanExecutor } from '../helpers/fake-gcp/index.ts';
import { registryMissing, startLocalRegistry, type LocalRegistry } from '../helpers/local-registry.ts';
import { assertSameCellsAndPairing, jobNameOf, startFakeCloud, TEST_PROJECT, type FakeCloud } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'bin/agentab.js');
const PILOT = path.join(ROOT, 'experiments/pilot.yaml');
/** On every container this test's fake Batch starts: it removes only those. */
const TEST_LABEL = 'agentab.test';
const TEST_LABEL_VALUE = `gce-e2e-podman-${process.pid}`;

describe('GCE end to end: image build --with-agentab, push to a registry, Batch tasks as Podman containers', { timeout: 1_500_000 }, async () => {
  const e = await engineOrReason();
  const skip = typeof e === 'string' ? `${e}; install one with containers/setup-podman.sh` : registryMissing;
  let engine: Engine;
  let registry: LocalRegistry;
  let cloud: FakeCloud;
  /** Local tags this test created (removed afterwards), and whether it built the image itself. */
  const createdTags: string[] = [];
  const ours = async () => (await engine.docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`] } })).map((c) => c.Id);

  before(async () => {
    if (skip) return;
    engine = e as Engine;
    registry = await startLocalRegistry();
    cloud = await startFakeCloud({
      // Batch pulls the job's image on every VM: always pull, over plain HTTP from the loopback registry
      executor: podmanExecutor({ docker: engine.docker, alwaysPull: true, tlsVerify: false, labels: { [TEST_LABEL]: TEST_LABEL_VALUE } }),
    });
  });
  after(async () => {
    if (skip) return;
    await cloud?.close();
    await registry?.close();
    for (const id of await ours()) await engine.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    for (const tag of createdTags) await engine.docker.getImage(tag).remove().catch(() => undefined);
  });

  test('the pilot over 3 VMs from the pushed image is pooled with the same cells and pairing as one machine; no container is left', { skip }, async (t) => {
    const cli = async (args: string[], env: Record<string, string>, timeout: number) => {
      const started = Date.now();
      const r = await execa('node', [CLI, ...args], { env, extendEnv: false, reject: false, cwd: ROOT, timeout });
      t.diagnostic(`agentab ${args.slice(0, 2).join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return r;
    };
    const hostEnv = { ...(process.env as Record<string, string>), GCE_METADATA_HOST: cloud.md.host };

    // 1. the runner image with agentab in it (content-tagged: a no-op when this checkout built it already)
    const tagBefore = (await cli(['image', 'build', '--with-agentab', '--print-tag'], hostEnv, 60_000)).stdout.trim();
    const existed = await engine.docker.getImage(tagBefore).inspect().then(() => true, () => false);
    const built = await cli(['image', 'build', '--with-agentab', '--json'], hostEnv, 600_000);
    assert.equal(built.exitCode, 0, built.stderr);
    const image = (JSON.parse(built.stdout) as { image: string }).image;
    assert.equal(image, tagBefore);
    if (!existed) createdTags.push(image);

    // 2. pushed to the registry; the job runs it pinned by digest
    const repo = `${registry.host}/${TEST_PROJECT}/agentab/runner`;
    const pushed = await cli(['image', 'push', '--image', image, '--to', `${repo}:e2e`, '--json'], hostEnv, 600_000);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    const { pinned, pushed: pushedTag } = JSON.parse(pushed.stdout) as { pinned: string; pushed: string };
    // the tag the push made, and the name the VMs' pull gives the image: removed afterwards
    createdTags.push(pushedTag, pinned);
    assert.match(pinned, new RegExp(`^${repo}@sha256:[0-9a-f]{64}$`));
    const digest = pinned.slice(pinned.indexOf('@') + 1);
    const manifestPulls = () => registry.accessLog().filter((l) => l.includes(`"GET /v2/${TEST_PROJECT}/agentab/runner/manifests/${digest}`)).length;
    const pullsBefore = manifestPulls();

    // 3. run-matrix --launcher gce: 2 runners × 2 tasks × 2 conditions × 1 rep = 8 cells in 4 pairing blocks over 3 VMs
    const out = tempDir();
    // interleaved: the conditions of a (runner, task, rep) are a pairing block (the pilot ships with a random order)
    const plan = ['--runners', 'claude,opencode', '--conditions', 'baseline,c1', '--tasks', 'write-file,summarise-doc', '--reps', '1', '--order', 'interleaved', '--out', out];
    const gce = await cli(['run-matrix', PILOT, ...plan, '--launcher', 'gce', '--gce-project', TEST_PROJECT, '--gce-vms', '3', '--gce-image', pinned, '--gce-poll-interval', '0.5', '--run-id', 'gcepod', '--json'], cloud.env, 900_000);
    const jobName = jobNameOf('gcepod');
    const logs = () => [0, 1, 2].map((i) => `--- task ${i}\n${cloud.batch.taskLogs(jobName, i).slice(-40).join('\n')}`).join('\n');
    assert.ok(gce.exitCode === 0 || gce.exitCode === 1, `${gce.stderr}\n${logs()}`);
    assert.match(gce.stderr, /submitted Batch job agentab-gcepod: 3 × e2-standard-4 \(spot\), 8 cells/);

    const job = cloud.batch.created[0] as { taskGroups: { taskCount: string; taskSpec: { runnables: { container: { imageUri: string; entrypoint: string } }[] } }[] };
    assert.equal(cloud.batch.created.length, 1, 'one Batch job per run');
    assert.equal(job.taskGroups[0]!.taskCount, '3');
    const { imageUri, entrypoint } = job.taskGroups[0]!.taskSpec.runnables[0]!.container;
    assert.deepEqual({ imageUri, entrypoint }, { imageUri: pinned, entrypoint: TASK_ENTRYPOINT });
    t.diagnostic(`image manifest pulls from the registry during the run: ${manifestPulls() - pullsBefore}`);
    assert.ok(manifestPulls() - pullsBefore >= 3, `every VM pulled the image from the registry (${manifestPulls() - pullsBefore} manifest GETs)`);
    // the entry script ran inside the image (its path is the image's, not this checkout's)
    for (let i = 0; i < 3; i++) assert.match(cloud.batch.taskLogs(jobName, i).join('\n'), new RegExp(`task-entry: task ${i} of 3 on `), logs());

    const gceDir = path.join(out, 'pilot', 'gcepod');
    // 4. the same plan on this machine
    const local = await cli(['run-matrix', PILOT, ...plan, '--run-id', 'local1', '--json'], cloud.env, 900_000);
    assert.ok(local.exitCode === 0 || local.exitCode === 1, local.stderr);
    const records = await assertSameCellsAndPairing(gceDir, path.join(out, 'pilot', 'local1'));
    assert.equal(records.length, 8);
    const vms = cloud.batch.vms(jobName).map((v) => v.name);
    for (const r of records) {
      assert.equal(r.launcher, 'gce');
      assert.ok(vms.includes(String(r.env.vm)), `${r.cell} names a VM of the job (${String(r.env.vm)})`);
      assert.equal(r.env.zone, 'us-central1-a');
      assert.equal(r.env.machineType, 'e2-standard-4');
      assert.ok(r.calls > 0, `${r.cell} reached its VM's proxy (${r.outcome}: ${String(r.runnerReported.error ?? '')})`);
    }
    assert.ok(records.filter((r) => r.outcome === 'pass').length >= 6, JSON.stringify(records.map((r) => [r.cell, r.outcome])));
    // both conditions of a (runner, task, rep) block saw the same VM
    const vmOfBlock = new Map<string, Set<string>>();
    for (const r of records) vmOfBlock.set(`${r.runner}/${r.task}/${r.rep}`, (vmOfBlock.get(`${r.runner}/${r.task}/${r.rep}`) ?? new Set()).add(String(r.env.vm)));
    for (const [block, set] of vmOfBlock) assert.equal(set.size, 1, `block ${block} ran on one VM`);
    assert.equal(new Set(records.map((r) => r.env.vm)).size, 3, 'every VM ran cells');
    const viaCli = await cli(['report', gceDir, '--format', 'json'], cloud.env, 120_000);
    assert.equal(viaCli.exitCode, 0, viaCli.stderr);

    // 5. nothing left: no job, no task, no container
    assert.deepEqual(cloud.batch.jobs(), [], 'the job is gone');
    assert.equal(cloud.batch.runningTasks(), 0);
    assert.deepEqual(await ours(), [], 'no container of this test is left');
  });
});
