/**
 * In-memory stand-ins for the two API interfaces of the GCE launcher (BatchApi, StorageApi),
 * for fast tests of the launcher's logic: a job's tasks run in this process as "VMs" that
 * unpack the real input bundle and run the real `run-matrix --bundle --shard` path, then
 * mirror each finished cell to the bucket in the contract's order (GCE-CONTRACT.md §4).
 * HTTP-level tests with Google's clients use the fake servers in test/helpers/fake-gcp/.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extractArchive } from '../../src/experiment/launchers/archive.ts';
import type { BatchApi, JobInfo, JobState, TaskInfo, TaskState } from '../../src/experiment/launchers/gce/batch-api.ts';
import type { BatchJob } from '../../src/experiment/launchers/gce/job.ts';
import { parseGsUri } from '../../src/cloud/gs-uri.ts';
import type { StorageApi } from '../../src/experiment/launchers/gce/storage-api.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import type { ProgressSink } from '../../src/experiment/progress.ts';
import { silentProgress } from '../../src/experiment/progress.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import { cellDir, runPaths } from '../../src/experiment/run-dir.ts';
import { loadMatrixInput } from '../../src/cli/run-matrix.ts';
import { silentLogger } from '../../src/util/log.ts';
import { tempDir } from '../experiment/helpers.ts';

export class MemoryStorage implements StorageApi {
  readonly objects = new Map<string, Buffer>();
  calls = { upload: 0, list: 0, download: 0 };
  async upload(bucket: string, name: string, data: Buffer): Promise<void> {
    this.calls.upload++;
    this.objects.set(`${bucket}/${name}`, Buffer.from(data));
  }
  async list(bucket: string, prefix: string): Promise<string[]> {
    this.calls.list++;
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1)).sort();
  }
  async download(bucket: string, name: string): Promise<Buffer> {
    this.calls.download++;
    const b = this.objects.get(`${bucket}/${name}`);
    if (!b) throw new Error(`no such object gs://${bucket}/${name}`);
    return b;
  }
  names(): string[] {
    return [...this.objects.keys()];
  }
}

/** What one attempt of a task does; resolves to its exit code. */
export type TaskRunner = (env: Record<string, string>, signal: AbortSignal, attempt: number) => Promise<number>;

interface MemJob {
  info: JobInfo;
  job: BatchJob;
  tasks: { state: TaskState; attempts: number; lastEvent?: string }[];
  abort: AbortController;
  done: Promise<void>;
}

export class MemoryBatch implements BatchApi {
  readonly jobs = new Map<string, MemJob>();
  readonly created: { parent: string; jobId: string; job: BatchJob }[] = [];
  readonly deleted: string[] = [];
  constructor(
    private readonly runTask: TaskRunner,
    private readonly secrets: Record<string, string> = {},
  ) {}

  async createJob(parent: string, jobId: string, job: BatchJob): Promise<JobInfo> {
    const name = `${parent}/jobs/${jobId}`;
    if (this.jobs.has(name)) throw Object.assign(new Error(`job ${name} already exists`), { code: 6 });
    this.created.push({ parent, jobId, job: structuredClone(job) });
    const group = (job.taskGroups as { taskCount: string; taskSpec: { maxRetryCount: number; environment: { variables: Record<string, string>; secretVariables?: Record<string, string> } } }[])[0]!;
    const count = Number(group.taskCount);
    const abort = new AbortController();
    const info: JobInfo = { name, state: 'QUEUED', labels: { ...(job.labels as Record<string, string>) }, createTime: new Date().toISOString() };
    const tasks = Array.from({ length: count }, () => ({ state: 'PENDING' as TaskState, attempts: 0, lastEvent: undefined as string | undefined }));
    const mem: MemJob = { info, job, tasks, abort, done: Promise.resolve() };
    this.jobs.set(name, mem);
    const env = { ...group.taskSpec.environment.variables };
    for (const [k, ref] of Object.entries(group.taskSpec.environment.secretVariables ?? {})) env[k] = this.secrets[ref] ?? '';
    mem.done = (async () => {
      await new Promise((r) => setTimeout(r, 20));
      info.state = 'RUNNING';
      await Promise.all(
        tasks.map(async (t, index) => {
          for (let attempt = 0; attempt <= group.taskSpec.maxRetryCount && !abort.signal.aborted; attempt++) {
            t.state = 'RUNNING';
            t.attempts++;
            let code: number;
            try {
              code = await this.runTask({ ...env, BATCH_TASK_INDEX: String(index), BATCH_TASK_COUNT: String(count), BATCH_TASK_RETRY_ATTEMPT: String(attempt) }, abort.signal, attempt);
            } catch (e) {
              code = 99;
              t.lastEvent = (e as Error).message;
            }
            if (code === 0) {
              t.state = 'SUCCEEDED';
              return;
            }
            t.lastEvent = `Task state is updated from RUNNING to FAILED with exit code ${code}`;
          }
          t.state = 'FAILED';
        }),
      );
      if (!abort.signal.aborted) info.state = tasks.every((t) => t.state === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED';
    })();
    return { ...info };
  }
  async getJob(name: string): Promise<JobInfo | undefined> {
    const j = this.jobs.get(name);
    return j ? { ...j.info } : undefined;
  }
  async listTasks(jobName: string): Promise<TaskInfo[]> {
    const j = this.jobs.get(jobName);
    return j ? j.tasks.map((t, index) => ({ index, state: t.state, lastEvent: t.lastEvent })) : [];
  }
  async deleteJob(name: string): Promise<void> {
    const j = this.jobs.get(name);
    if (!j) return;
    this.deleted.push(name);
    j.info.state = 'DELETION_IN_PROGRESS' as JobState;
    j.abort.abort();
    await j.done;
    this.jobs.delete(name);
  }
  async listJobs(): Promise<JobInfo[]> {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }
  /** Waits until every job's tasks have ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }
}

export interface ShardVmOptions {
  storage: MemoryStorage;
  /** Process env of the shard run (PATH…). */
  env: Record<string, string>;
  /** Called after each uploaded cell; throwing ends the task with exit 1 (a crash mid-shard). */
  afterCell?: (o: { shard: number; attempt: number; uploaded: number }) => void;
  vm?: (shard: number) => { vm: string; zone: string; machineType: string };
}

async function uploadDir(storage: MemoryStorage, bucket: string, prefix: string, dir: string, skip: Set<string>): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await uploadDir(storage, bucket, `${prefix}${e.name}/`, p, new Set());
    else await storage.upload(bucket, `${prefix}${e.name}`, await readFile(p));
  }
}

/**
 * A task runner that behaves like vm/task-entry.sh + `run-matrix --results-uri`: unpacks the
 * bundle, runs its shard with the real orchestrator, mirrors each finished cell (logs, its
 * spend lines, then record.json with the VM's facts) and exits 0 when run-matrix finished.
 */
export function shardVm(o: ShardVmOptions): TaskRunner {
  return async (env, signal, attempt) => {
    const runUri = parseGsUri(env.AGENTAB_RUN_URI!);
    const shard = Number(env.BATCH_TASK_INDEX);
    const work = tempDir('agentab-vm-');
    const bundleDir = path.join(work, 'bundle');
    await extractArchive(Readable.from(gunzipSync(await o.storage.download(runUri.bucket, `${runUri.prefix}/input/bundle.tar.gz`))), bundleDir);
    const input = await loadMatrixInput(undefined, { bundle: bundleDir, shard: `${shard}/${env.BATCH_TASK_COUNT}`, out: path.join(work, 'results'), logLevel: 'silent' });
    const prefix = `${runUri.prefix}/shard-${shard}/`;
    const facts = o.vm?.(shard) ?? { vm: `agentab-vm-${shard}`, zone: 'us-central1-a', machineType: 'e2-standard-4' };
    // restore what an earlier attempt of this task recorded (a retried task resumes)
    const runDir = path.join(work, 'results', input.spec.name, input.runId!);
    for (const name of await o.storage.list(runUri.bucket, `${prefix}cells/`)) {
      const m = /cells\/([^/]+)\/record\.json$/.exec(name);
      if (!m) continue;
      await mkdir(cellDir(runDir, m[1]!), { recursive: true });
      await writeFile(path.join(cellDir(runDir, m[1]!), 'record.json'), await o.storage.download(runUri.bucket, name));
    }
    let uploaded = 0;
    let crash: unknown;
    let chain = Promise.resolve();
    const progress: ProgressSink = {
      ...silentProgress,
      cellFinished: (cell, rec) => {
        chain = chain.then(async () => {
          if (crash) return;
          const dir = cellDir(runDir, cell.id);
          const cp = `${prefix}cells/${cell.id}/`;
          await uploadDir(o.storage, runUri.bucket, cp, dir, new Set(['record.json']));
          const spend = (await readSpendLog(runPaths(runDir).spend, { missingOk: true })).records.filter((s) => s.cell === cell.id);
          await o.storage.upload(runUri.bucket, `${cp}spend.jsonl`, Buffer.from(spend.map((s) => JSON.stringify(s) + '\n').join('')));
          await o.storage.upload(runUri.bucket, `${cp}record.json`, Buffer.from(JSON.stringify({ ...rec, env: { ...rec.env, ...facts } })));
          uploaded++;
          try {
            o.afterCell?.({ shard, attempt, uploaded });
          } catch (e) {
            crash = e;
            inner.abort();
          }
        });
      },
    };
    const inner = new AbortController();
    signal.addEventListener('abort', () => inner.abort(), { once: true });
    // the task's environment (secrets from secretVariables included) over the VM's own
    await runMatrix({ spec: input.spec, outRoot: path.join(work, 'results'), overrides: input.overrides, cwd: input.cwd, env: { ...o.env, ...env }, log: silentLogger, progress, signal: inner.signal, runId: input.runId, only: input.only });
    await chain;
    if (crash || signal.aborted) return 1;
    return 0;
  };
}
