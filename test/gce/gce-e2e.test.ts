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
import { processExecutor, startFakeBatch, startFakeGcs, startFakeMetadata, type FakeBatch, type FakeGcs, type FakeMetadata } from '../helpers/fake-gcp/index.ts';
import { CALL_PROXY, tempDir, writeExperiment } from '../experiment/helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'bin/agentab.js');
const ENTRY = path.join(ROOT, 'vm/task-entry.sh');
const PILOT = path.join(ROOT, 'experiments/pilot.yaml');
const PLANTED = 'sk-planted-e2e-4c1f9a7d2b8e6f30';

describe('run-matrix --launcher gce over fake Batch, Cloud Storage and metadata servers', { timeout: 900_000 }, () => {
  let gcs: FakeGcs;
  let md: FakeMetadata;
  let batch: FakeBatch;
  let env: Record<string, string>;

  before(async () => {
    md = await startFakeMetadata({ projectId: 'test-project' });
    gcs = await startFakeGcs({ buckets: ['test-project-agentab'] });
    batch = await startFakeBatch({
      tokens: md.tokens,
      executor: processExecutor({ mapCommand: (argv) => argv.map((a) => (a === '/opt/agentab/vm/task-entry.sh' ? ENTRY : a)), baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' } }),
    });
    batch.secrets.add('test-project', 'upstream-key', PLANTED);
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', AGENTAB_BATCH_ENDPOINT: batch.url, AGENTAB_GCS_ENDPOINT: gcs.url, GCE_METADATA_HOST: md.host };
  });
  after(async () => {
    await batch.close();
    await gcs.close();
    await md.close();
  });

  test('the pilot over 3 VMs completes, is pooled, and reports the same cells and pairing as one machine', async () => {
    const out = tempDir();
    const sel = ['--tasks', 'write-file,summarise-doc', '--reps', '1', '--out', out];
    const gce = await execa('node', [CLI, 'run-matrix', PILOT, ...sel, '--launcher', 'gce', '--gce-project', 'test-project', '--gce-vms', '3', '--gce-poll-interval', '0.2', '--run-id', 'gce1', '--json'], { env, extendEnv: false, reject: false, cwd: ROOT });
    assert.ok(gce.exitCode === 0 || gce.exitCode === 1, gce.stderr);
    const [job] = batch.created as { taskGroups: { taskCount: string }[] }[];
    assert.equal(job!.taskGroups[0]!.taskCount, '3');
    assert.match(gce.stderr, /submitted Batch job agentab-gce1: 3 × e2-standard-4 \(spot\)/);
    const gceDir = path.join(out, 'pilot', 'gce1');
    const gceRecords = await readRunRecords(gceDir);
    assert.equal(gceRecords.length, 8);
    const vms = new Set(gceRecords.map((r) => String(r.env.vm)));
    assert.equal(vms.size, 3, 'three VMs ran cells');
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
    const localRecords = await readRunRecords(path.join(out, 'pilot', 'local1'));
    const key = (r: (typeof gceRecords)[number]) => JSON.stringify([r.cell, r.runner, r.condition, r.task, r.rep, r.block, r.order]);
    assert.deepEqual(gceRecords.map(key).sort(), localRecords.map(key).sort(), 'same cells, blocks and order');
    // the reports (written by run-matrix, read by `agentab report` unchanged) compare the same pairs
    const report = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { cells: unknown[]; comparisons: { runner: string; task: string; condition: string; metric: string; paired: boolean; nBase: number; nCond: number }[] };
    const shape = (r: ReturnType<typeof report>) => r.comparisons.map((c) => [c.runner, c.task, c.condition, c.metric, c.paired, c.nBase, c.nCond].join('|')).sort();
    const g = report(gceDir);
    const l = report(path.join(out, 'pilot', 'local1'));
    assert.equal(g.cells.length, l.cells.length);
    assert.deepEqual(shape(g), shape(l));
    const viaCli = await execa('node', [CLI, 'report', gceDir, '--format', 'json'], { env, extendEnv: false, reject: false, cwd: ROOT });
    assert.equal(viaCli.exitCode, 0, viaCli.stderr);
  });

  test('a launcher killed with SIGKILL leaves its job running; --resume re-attaches and no key reaches a command line', async () => {
    const x = writeExperiment(
      `name: killed
runners:
  - name: cmd
    kind: command
    command: sleep 1 && node ${CALL_PROXY} 2
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 3
launcher: { kind: gce, project: test-project, vms: 2, poll_interval: 0.2, secrets: { PLANTED_KEY: upstream-key } }
proxy:
  model_list:
    - model_name: shared-model
      litellm_params:
        model: sim/sim-default
        api_key: os.environ/PLANTED_KEY
        sim: { seed: 1, ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0 }
`,
      { t: 'prompt: p\ncheck: "true"\n' },
    );
    const child = execa('node', [CLI, 'run-matrix', x.spec, '--out', x.out, '--run-id', 'k1'], { env, extendEnv: false, reject: false, cwd: x.dir });
    const jobName = 'projects/test-project/locations/us-central1/jobs/agentab-k1';
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
      if (gcs.list('test-project-agentab', 'agentab/killed/k1/').some((n) => n.endsWith('/record.json'))) break;
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
    assert.ok(!batch.jobs().some((j) => j.labels?.['agentab-run'] === 'k1'), 'the resumed run deleted its job (finished or not) at the end');
    assert.equal(batch.runningTasks(), 0);
    const records = await readRunRecords(path.join(x.out, 'killed', 'k1'));
    assert.equal(records.length, 6);
    assert.ok(records.every((r) => r.outcome === 'pass'), JSON.stringify(records.map((r) => [r.outcome, r.runnerReported.error])));
    assert.ok(!JSON.stringify(batch.created).includes(PLANTED), 'job JSON');
    for (const [name, o] of gcs.objects) if (!name.endsWith('.gz')) assert.ok(!o.data.toString('latin1').includes(PLANTED), name);
    assert.ok(!resumed.stderr.includes(PLANTED) && !resumed.stdout.includes(PLANTED));
  });
});
