/**
 * Shared by the GCE end-to-end tests: the fake Google Cloud (metadata, Cloud Storage, Batch)
 * they start and the environment that points the CLI at it, and the comparison of a pooled
 * GCE run with a single-machine run of the same plan.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRunRecords } from '../../src/experiment/records-store.ts';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { CALL_PROXY, writeExperiment, type TempExperiment } from '../experiment/helpers.ts';
import { TASK_ENTRYPOINT } from '../../src/experiment/launchers/gce/job.ts';
import { processExecutor, startFakeBatch, startFakeGcs, startFakeMetadata, type FakeBatch, type FakeBatchOptions, type FakeGcs, type FakeMetadata, type TaskExecutor } from '../helpers/fake-gcp/index.ts';

export const TEST_PROJECT = 'test-project';
export const TEST_BUCKET = `${TEST_PROJECT}-agentab`;
/** The first job of a run, as the launcher names it (jobIdFor). */
export const jobNameOf = (runId: string): string => `projects/${TEST_PROJECT}/locations/us-central1/jobs/agentab-${runId}`;

/** The secret a planted-key experiment reads its upstream key from, and its full version name. */
export const PLANTED_SECRET = 'upstream-key';
export const PLANTED_SECRET_REF = `projects/${TEST_PROJECT}/secrets/${PLANTED_SECRET}/versions/latest`;

/**
 * A GCE experiment whose simulator deployment needs an upstream key: `api_key:
 * os.environ/PLANTED_KEY`, PLANTED_KEY coming from Secret Manager (`secrets:`), one task,
 * conditions a and b, a command runner making `calls` calls after `sleepSeconds`.
 */
export function plantedKeyExperiment(o: { name: string; reps: number; pollInterval: number; calls?: number; sleepSeconds?: number }): TempExperiment {
  return writeExperiment(
    `name: ${o.name}
runners:
  - name: cmd
    kind: command
    command: ${o.sleepSeconds ? `sleep ${o.sleepSeconds} && ` : ''}node ${CALL_PROXY} ${o.calls ?? 2}
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: ${o.reps}
launcher: { kind: gce, project: ${TEST_PROJECT}, vms: 2, poll_interval: ${o.pollInterval}, secrets: { PLANTED_KEY: ${PLANTED_SECRET} } }
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
}

const ENTRY = fileURLToPath(new URL('../../vm/task-entry.sh', import.meta.url));

/** Batch tasks as local processes: the image's entry script is this checkout's vm/task-entry.sh. */
export function entryScriptExecutor(): TaskExecutor {
  return processExecutor({ mapCommand: (argv) => argv.map((a) => (a === TASK_ENTRYPOINT ? ENTRY : a)), baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' } });
}

export interface FakeCloud {
  md: FakeMetadata;
  gcs: FakeGcs;
  batch: FakeBatch;
  /** What the CLI needs to talk to the fakes (PATH and HOME too; nothing else of this process's). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Metadata (tokens), Cloud Storage with the project's bucket, and Batch checking those tokens. */
export async function startFakeCloud(batchOptions: Omit<FakeBatchOptions, 'tokens'>): Promise<FakeCloud> {
  const md = await startFakeMetadata({ projectId: TEST_PROJECT });
  const gcs = await startFakeGcs({ buckets: [TEST_BUCKET] });
  const batch = await startFakeBatch({ tokens: md.tokens, ...batchOptions });
  return {
    md,
    gcs,
    batch,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', AGENTAB_BATCH_ENDPOINT: batch.url, AGENTAB_GCS_ENDPOINT: gcs.url, GCE_METADATA_HOST: md.host },
    async close() {
      await batch.close();
      await gcs.close();
      await md.close();
    },
  };
}

interface ReportShape {
  cells: unknown[];
  comparisons: { runner: string; task: string; condition: string; metric: string; paired: boolean; nBase: number; nCond: number }[];
}

/**
 * The pooled GCE run has the cells (ids, runner, condition, task, rep, pairing block, order)
 * of the single-machine run, and the reports written by run-matrix (what `agentab report`
 * reads) compare the same pairs with the same counts. Returns the GCE run's records.
 */
export async function assertSameCellsAndPairing(gceDir: string, localDir: string): Promise<RunRecord[]> {
  const gce = await readRunRecords(gceDir);
  const local = await readRunRecords(localDir);
  const key = (r: RunRecord) => JSON.stringify([r.cell, r.runner, r.condition, r.task, r.rep, r.block, r.order]);
  assert.deepEqual(gce.map(key).sort(), local.map(key).sort(), 'same cells, blocks and order');
  const report = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReportShape;
  const shape = (r: ReportShape) => r.comparisons.map((c) => [c.runner, c.task, c.condition, c.metric, c.paired, c.nBase, c.nCond].join('|')).sort();
  const g = report(gceDir);
  const l = report(localDir);
  assert.equal(g.cells.length, l.cells.length, 'report cells');
  assert.ok(g.comparisons.length > 0, 'the report compares conditions');
  assert.deepEqual(shape(g), shape(l), 'the reports compare the same pairs');
  return gce;
}
