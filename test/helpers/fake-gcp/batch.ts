/**
 * A fake Google Cloud Batch v1 REST API that answers what the official `@google-cloud/batch`
 * client sends through its REST fallback (`new v1.BatchServiceClient({fallback: true,
 * apiEndpoint: '127.0.0.1', port, protocol: 'http'})`): jobs create/get/list/delete/cancel,
 * tasks list/get, and the long-running operations of delete and cancel. Bodies are checked
 * against the Batch v1 protos shipped in the client (unknown or ill-typed fields → 400, as
 * Google answers), and answers honour `$alt=json;enum-encoding=int`.
 *
 * Jobs really run: QUEUED → SCHEDULED → RUNNING → SUCCEEDED / FAILED. Each task runs its
 * runnables in order through a TaskExecutor (a Podman container or a local process) on one
 * of ceil(min(parallelism, taskCount) / taskCountPerNode) fake "VMs", each with its own fake
 * metadata server (instance name, zone, machine type; GCE_METADATA_HOST in the task's
 * environment). Environment: runnable's + task spec's + taskEnvironments[i] variables,
 * secretVariables resolved through the fake Secret Manager, BATCH_TASK_INDEX,
 * BATCH_TASK_COUNT, BATCH_JOB_UID, BATCH_TASK_RETRY_ATTEMPT. A failing task is retried
 * `maxRetryCount` times; maxRunDuration kills it. Deleting or canceling a job stops its tasks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkProto3Json, encodeForWire, normalize } from './batch-protos.ts';
import { GoogleApiError, invalid, notFound, sendJson, serve, type FakeServer } from './http.ts';
import { startFakeMetadata, type FakeMetadata, type FakeVm } from './metadata.ts';
import { FakeSecretManager } from './secret-manager.ts';
import { processExecutor, type ContainerRunnable, type Execution, type TaskExecutor } from './task-executors.ts';

export type JobState = 'QUEUED' | 'SCHEDULED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'DELETION_IN_PROGRESS' | 'CANCELLATION_IN_PROGRESS' | 'CANCELLED';
export type TaskState = 'PENDING' | 'ASSIGNED' | 'RUNNING' | 'FAILED' | 'SUCCEEDED' | 'UNEXECUTED';

interface StatusEvent {
  type: string;
  description: string;
  eventTime: string;
  taskState?: TaskState;
  taskExecution?: { exitCode: number };
}

interface EnvironmentJson {
  variables?: Record<string, string>;
  secretVariables?: Record<string, string>;
}

interface RunnableJson {
  container?: ContainerRunnable;
  script?: { text?: string; path?: string };
  barrier?: unknown;
  ignoreExitStatus?: boolean;
  background?: boolean;
  environment?: EnvironmentJson;
}

/** A job as the fake keeps it: proto3 JSON with enum names. */
export interface JobJson {
  name: string;
  uid: string;
  labels?: Record<string, string>;
  taskGroups: Array<{
    name?: string;
    taskCount?: string;
    parallelism?: string;
    taskCountPerNode?: string;
    taskEnvironments?: EnvironmentJson[];
    taskSpec: { runnables: RunnableJson[]; maxRetryCount?: number; maxRunDuration?: string; environment?: EnvironmentJson; computeResource?: unknown };
  }>;
  allocationPolicy?: { location?: { allowedLocations?: string[] }; instances?: Array<{ policy?: { machineType?: string; provisioningModel?: string } }>; serviceAccount?: { email?: string }; labels?: Record<string, string> };
  status: { state: JobState; statusEvents: StatusEvent[]; taskGroups?: Record<string, unknown>; runDuration?: string };
  createTime: string;
  updateTime: string;
  [k: string]: unknown;
}

interface FakeNode {
  index: number;
  vm: FakeVm;
  metadata?: FakeMetadata;
  running: number;
}

interface FakeTask {
  index: number;
  state: TaskState;
  events: StatusEvent[];
  /** Attempts started (1 = first run). */
  attempts: number;
  node?: FakeNode;
  execution?: Execution;
  logs: string[];
  /** A VM slot is held for it (it starts after one scheduling step). */
  reserved?: boolean;
}

interface FakeJob {
  json: JobJson;
  tasks: FakeTask[];
  nodes: FakeNode[];
  startedAt?: number;
  /** Set once delete or cancel began: no new task starts. */
  stopping?: 'delete' | 'cancel';
  timers: Set<NodeJS.Timeout>;
  finished: Promise<void>;
  finish: () => void;
}

export interface FakeBatchOptions {
  /** How container runnables run (default: local processes). */
  executor?: TaskExecutor;
  /** Accepted bearer tokens (e.g. a fake metadata server's); unset: any request is accepted. */
  tokens?: Set<string>;
  secrets?: FakeSecretManager;
  /** Delay of each scheduling step (QUEUED → SCHEDULED, starting a task); default 20 ms. */
  stepMs?: number;
  /** A fake metadata server per VM, its host in GCE_METADATA_HOST (default true). */
  vmMetadata?: boolean;
  /** Added to every task's environment (e.g. AGENTAB_GCS_ENDPOINT in tests). */
  extraEnv?: Record<string, string>;
  /** Kept output lines per task (default 2000). */
  maxLogLines?: number;
}

export interface FakeBatch extends FakeServer {
  /** For the client: { apiEndpoint, port, protocol, fallback }. */
  clientOptions: { apiEndpoint: string; port: number; protocol: 'http'; fallback: true };
  secrets: FakeSecretManager;
  /** Jobs that exist (deleted ones are gone), as the API would return them. */
  jobs(): JobJson[];
  job(name: string): JobJson | undefined;
  taskStates(name: string): TaskState[];
  /** Output lines of a task (all attempts); these helpers also answer for deleted jobs. */
  taskLogs(name: string, index: number): string[];
  /** The VMs of a job: name, zone, machine type. */
  vms(name: string): FakeVm[];
  /** Resolves when the job reaches a final state (or is deleted). */
  settled(name: string): Promise<void>;
  /** The states a job went through (deleted jobs too), e.g. [SCHEDULED, RUNNING, SUCCEEDED, DELETION_IN_PROGRESS]. */
  jobStates(name: string): string[];
  /** Names of every job created, deleted ones too. */
  jobNames(): string[];
  /** Processes/containers currently running, over all jobs. */
  runningTasks(): number;
  /** Every job created, in order (the request bodies, as sent). */
  created: unknown[];
}

const TERMINAL_JOB: JobState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
const TERMINAL_TASK: TaskState[] = ['SUCCEEDED', 'FAILED', 'UNEXECUTED'];
const JOB_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PARENT = /^projects\/([^/]+)\/locations\/([^/]+)$/;

const now = () => new Date().toISOString();
const num = (v: string | number | undefined, dflt: number) => (v === undefined || v === '' || Number(v) === 0 ? dflt : Number(v));

function durationMs(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const s = Number(d.replace(/s$/, ''));
  return Number.isFinite(s) && s > 0 ? s * 1000 : undefined;
}

/** Parses Batch's list filter: `a="b" AND c:*` over labels.<k>, status.state, name, uid. */
function parseFilter(filter: string): (job: JobJson) => boolean {
  if (!filter.trim()) return () => true;
  const terms = filter.split(/\s+AND\s+/);
  const tests = terms.map((term) => {
    const m = /^\s*([A-Za-z_][\w.-]*)\s*(=|!=|:)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*$/.exec(term);
    if (!m) throw invalid(`Invalid filter: "${term}" (expected field="value", field!="value" or field:*)`);
    const [, field, op, quoted, bare] = m;
    const value = quoted ?? bare ?? '';
    const get = (job: JobJson): string | undefined => {
      if (field!.startsWith('labels.')) return job.labels?.[field!.slice(7)];
      if (field === 'status.state') return job.status.state;
      if (field === 'name') return job.name;
      if (field === 'uid') return job.uid;
      throw invalid(`Invalid filter: unknown field "${field}" (supported: labels.<key>, status.state, name, uid)`);
    };
    return (job: JobJson) => {
      const v = get(job);
      if (op === ':') return value === '*' ? v !== undefined : v !== undefined && v.includes(value);
      return op === '=' ? v === value : v !== value;
    };
  });
  return (job) => tests.every((t) => t(job));
}

function page<T>(items: T[], url: URL): { items: T[]; next?: string } {
  const size = Math.min(Number(url.searchParams.get('pageSize')) || 100, 1000);
  const token = url.searchParams.get('pageToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalid(`Invalid page token "${token}"`);
  const slice = items.slice(start, start + size);
  return { items: slice, next: start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined };
}

export async function startFakeBatch(o: FakeBatchOptions = {}): Promise<FakeBatch> {
  const executor = o.executor ?? processExecutor();
  const secrets = o.secrets ?? new FakeSecretManager();
  const stepMs = o.stepMs ?? 20;
  const maxLogLines = o.maxLogLines ?? 2000;
  const jobs = new Map<string, FakeJob>();
  /** Deleted jobs, still open to the test helpers (logs, VMs, states) but not to the API. */
  const gone = new Map<string, FakeJob>();
  const operations = new Map<string, { json: Record<string, unknown>; done: Promise<void> }>();
  const created: unknown[] = [];

  const later = (job: FakeJob, ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      job.timers.delete(t);
      fn();
    }, ms);
    job.timers.add(t);
  };

  const setJobState = (job: FakeJob, state: JobState, why = '') => {
    const from = job.json.status.state;
    if (from === state) return;
    job.json.status.state = state;
    job.json.updateTime = now();
    job.json.status.statusEvents.push({ type: 'STATUS_CHANGED', description: `Job state is set from ${from} to ${state} for job ${job.json.name}${why ? `: ${why}` : ''}.`, eventTime: now() });
    if (TERMINAL_JOB.includes(state)) job.finish();
  };

  const setTaskState = (job: FakeJob, task: FakeTask, state: TaskState, extra: { exitCode?: number; why?: string } = {}) => {
    const from = task.state;
    task.state = state;
    const where = task.node ? ` on zones/${task.node.vm.zone}/instances/${task.node.vm.name}` : '';
    task.events.push({
      type: 'STATUS_CHANGED',
      description: `Task state is updated from ${from} to ${state}${where}${extra.exitCode !== undefined ? ` with exit code ${extra.exitCode}` : ''}${extra.why ? ` (${extra.why})` : ''}.`,
      eventTime: now(),
      taskState: state,
      ...(extra.exitCode !== undefined ? { taskExecution: { exitCode: extra.exitCode } } : {}),
    });
    job.json.updateTime = now();
  };

  const group = (job: FakeJob) => job.json.taskGroups[0]!;

  const taskEnv = (job: FakeJob, task: FakeTask, runnable: RunnableJson): Record<string, string> => {
    const g = group(job);
    const layers = [g.taskSpec.environment, g.taskEnvironments?.[task.index], runnable.environment];
    const env: Record<string, string> = { ...o.extraEnv };
    for (const layer of layers) {
      Object.assign(env, layer?.variables ?? {});
      for (const [name, ref] of Object.entries(layer?.secretVariables ?? {})) env[name] = secrets.resolve(ref);
    }
    Object.assign(env, {
      BATCH_TASK_INDEX: String(task.index),
      BATCH_TASK_COUNT: String(job.tasks.length),
      BATCH_JOB_UID: job.json.uid,
      BATCH_TASK_RETRY_ATTEMPT: String(task.attempts - 1),
    });
    if (task.node?.metadata) env.GCE_METADATA_HOST = task.node.metadata.host;
    return env;
  };

  const log = (task: FakeTask, line: string) => {
    task.logs.push(line);
    if (task.logs.length > maxLogLines) task.logs.shift();
  };

  /** Runs the task's runnables in order; the exit code of the first that fails, else 0. */
  const runAttempt = async (job: FakeJob, task: FakeTask): Promise<{ exitCode: number; why?: string }> => {
    const g = group(job);
    const limitMs = durationMs(g.taskSpec.maxRunDuration);
    let timedOut = false;
    const timer = limitMs ? setTimeout(() => {
      timedOut = true;
      void task.execution?.stop();
    }, limitMs) : undefined;
    try {
      for (const runnable of g.taskSpec.runnables) {
        if (job.stopping || timedOut) break;
        if (runnable.barrier) continue;
        let env: Record<string, string>;
        try {
          env = taskEnv(job, task, runnable);
        } catch (e) {
          return { exitCode: 1, why: `cannot resolve the task's secret variables: ${(e as Error).message}` };
        }
        const script = runnable.script?.text ?? (runnable.script?.path ? `exec ${runnable.script.path}` : undefined);
        const spec = runnable.container ? runnable.container : script !== undefined ? { script } : undefined;
        if (!spec) continue;
        let execution: Execution;
        try {
          execution = await executor.start({ runnable: spec, env, jobUid: job.json.uid, taskIndex: task.index, attempt: task.attempts, onLine: (l) => log(task, l) });
        } catch (e) {
          log(task, `fake batch: cannot start the runnable: ${(e as Error).message}`);
          return { exitCode: 1, why: (e as Error).message };
        }
        task.execution = execution;
        if (job.stopping) void execution.stop();
        const code = await execution.exited;
        task.execution = undefined;
        if (timedOut) return { exitCode: 50005, why: `the task ran longer than maxRunDuration ${g.taskSpec.maxRunDuration}` };
        if (code !== 0 && !runnable.ignoreExitStatus) return { exitCode: code ?? 137, why: code === null ? 'killed by a signal' : undefined };
      }
      return { exitCode: 0 };
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  const countsOf = (job: FakeJob) => {
    const counts: Record<string, string> = {};
    for (const t of job.tasks) counts[t.state] = String(Number(counts[t.state] ?? 0) + 1);
    return counts;
  };

  const refreshStatus = (job: FakeJob) => {
    const g = group(job);
    const policy = job.json.allocationPolicy?.instances?.[0]?.policy;
    job.json.status.taskGroups = {
      group0: {
        counts: countsOf(job),
        instances: [{ machineType: job.nodes[0]?.vm.machineType ?? policy?.machineType ?? 'e2-standard-4', provisioningModel: policy?.provisioningModel ?? 'STANDARD', taskPack: String(num(g.taskCountPerNode, 1)) }],
      },
    };
    if (job.startedAt !== undefined) job.json.status.runDuration = `${((Date.now() - job.startedAt) / 1000).toFixed(3)}s`;
  };

  const maybeFinish = (job: FakeJob) => {
    if (!job.tasks.every((t) => TERMINAL_TASK.includes(t.state))) return;
    for (const n of job.nodes) void n.metadata?.close();
    refreshStatus(job);
    if (job.stopping === 'cancel') setJobState(job, 'CANCELLED');
    else if (job.stopping === 'delete') job.finish();
    else setJobState(job, job.tasks.every((t) => t.state === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED');
  };

  const runTask = async (job: FakeJob, task: FakeTask, node: FakeNode) => {
    const g = group(job);
    const maxRetry = num(g.taskSpec.maxRetryCount, 0);
    task.node = node;
    node.running++;
    for (;;) {
      task.attempts++;
      setTaskState(job, task, 'ASSIGNED');
      setTaskState(job, task, 'RUNNING', task.attempts > 1 ? { why: `retry ${task.attempts - 1} of ${maxRetry}` } : {});
      if (job.json.status.state === 'SCHEDULED') {
        job.startedAt = Date.now();
        setJobState(job, 'RUNNING');
      }
      const r = await runAttempt(job, task);
      if (r.exitCode === 0 && !job.stopping) {
        setTaskState(job, task, 'SUCCEEDED', { exitCode: 0 });
        break;
      }
      if (job.stopping) {
        setTaskState(job, task, 'FAILED', { exitCode: r.exitCode, why: job.stopping === 'delete' ? 'the job is being deleted' : 'the job was canceled' });
        break;
      }
      if (task.attempts > maxRetry) {
        setTaskState(job, task, 'FAILED', { exitCode: r.exitCode, why: r.why });
        break;
      }
      log(task, `fake batch: attempt ${task.attempts} failed with exit code ${r.exitCode}; retrying`);
      setTaskState(job, task, 'PENDING', { exitCode: r.exitCode, why: `attempt ${task.attempts} failed${r.why ? `: ${r.why}` : ''}; it will be retried` });
    }
    node.running--;
    refreshStatus(job);
    pump(job);
    maybeFinish(job);
  };

  const startJob = async (job: FakeJob) => {
    const g = group(job);
    const count = job.tasks.length;
    const perNode = num(g.taskCountPerNode, 1);
    const parallel = Math.min(num(g.parallelism, count), count);
    const nodeCount = Math.max(1, Math.ceil(parallel / perNode));
    const [, project, location] = PARENT.exec(job.json.name.replace(/\/jobs\/[^/]+$/, '')) ?? [];
    const allowed = job.json.allocationPolicy?.location?.allowedLocations ?? [];
    const zone = allowed.map((l) => /^zones\/(.+)$/.exec(l)?.[1]).find(Boolean) ?? `${location}-a`;
    const machineType = job.json.allocationPolicy?.instances?.[0]?.policy?.machineType || 'e2-standard-4';
    const jobId = job.json.name.split('/').pop()!;
    for (let i = 0; i < nodeCount; i++) {
      const vm: FakeVm = { name: `${jobId.slice(0, 30)}-${job.json.uid.split('-').at(-2)}-group0-${i}`, zone, machineType, id: String(1e15 + Math.floor(Math.random() * 1e15)) };
      const metadata = o.vmMetadata === false ? undefined : await startFakeMetadata({ projectId: project, vm, tokens: o.tokens, serviceAccount: job.json.allocationPolicy?.serviceAccount?.email });
      job.nodes.push({ index: i, vm, metadata, running: 0 });
    }
    if (job.stopping) return maybeFinish(job);
    setJobState(job, 'SCHEDULED');
    refreshStatus(job);
    pump(job);
  };

  /** Starts pending tasks on free VM slots, in index order. */
  const pump = (job: FakeJob) => {
    if (job.stopping) return;
    const perNode = num(group(job).taskCountPerNode, 1);
    for (const task of job.tasks) {
      if (task.state !== 'PENDING' || task.reserved) continue;
      const node = job.nodes.find((n) => n.running < perNode);
      if (!node) break;
      task.reserved = true;
      node.running++;
      later(job, stepMs, () => {
        node.running--;
        void runTask(job, task, node);
      });
    }
  };

  const stopJob = async (job: FakeJob, how: 'delete' | 'cancel') => {
    if (job.stopping) return job.finished;
    const terminal = TERMINAL_JOB.includes(job.json.status.state);
    job.stopping = how;
    for (const t of job.timers) clearTimeout(t);
    job.timers.clear();
    if (how === 'delete') setJobState(job, 'DELETION_IN_PROGRESS');
    else if (!terminal) setJobState(job, 'CANCELLATION_IN_PROGRESS');
    for (const task of job.tasks) {
      if (task.state === 'PENDING') setTaskState(job, task, 'UNEXECUTED', { why: how === 'delete' ? 'the job is being deleted' : 'the job was canceled' });
      void task.execution?.stop();
    }
    if (terminal && how === 'cancel') job.finish();
    maybeFinish(job);
    await job.finished;
  };

  const operation = (parent: string, verb: 'delete' | 'cancel', target: string, work: Promise<void>, responseType: string) => {
    const name = `${parent}/operations/operation-${Date.now()}-${randomBytes(6).toString('hex')}`;
    const json: Record<string, unknown> = {
      name,
      metadata: { '@type': 'type.googleapis.com/google.cloud.batch.v1.OperationMetadata', createTime: now(), target, verb, requestedCancellation: false, apiVersion: 'v1' },
      done: false,
    };
    const done = work.then(() => {
      json.done = true;
      (json.metadata as Record<string, unknown>).endTime = now();
      json.response = { '@type': responseType };
    });
    operations.set(name, { json, done });
    return json;
  };

  const wire = (req: IncomingMessage, typeName: string, json: unknown) => {
    const numeric = /enum-encoding=int/.test(decodeURIComponent(req.url ?? ''));
    return encodeForWire(typeName, json, numeric);
  };

  const taskJson = (job: FakeJob, task: FakeTask) => ({
    name: `${group(job).name}/tasks/${task.index}`,
    status: { state: task.state, statusEvents: task.events },
  });

  const findJob = (name: string) => {
    const job = jobs.get(name);
    if (!job) throw notFound(`Job ${name}`);
    return job;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => {
    if (secrets.handle(req, res, url)) return;
    if (o.tokens) {
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!o.tokens.has(token)) throw new GoogleApiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;

    if ((m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/jobs$/.exec(path))) {
      const parent = m[1]!;
      if (method === 'POST') {
        let raw: unknown;
        try {
          raw = JSON.parse(body.toString('utf8') || '{}');
        } catch (e) {
          throw invalid(`Invalid JSON payload received. ${(e as Error).message}`);
        }
        created.push(raw);
        const problems = checkProto3Json('Job', raw);
        if (problems.length) throw invalid(problems.join('\n'));
        const jobId = url.searchParams.get('jobId') ?? url.searchParams.get('job_id') ?? `job-${randomUUID()}`;
        if (!JOB_ID.test(jobId)) throw invalid(`Job id "${jobId}" must match ${JOB_ID.source} (lowercase letters, digits and hyphens, 1–63 characters, starting with a letter)`);
        const name = `${parent}/jobs/${jobId}`;
        if (jobs.has(name)) throw new GoogleApiError(409, 'ALREADY_EXISTS', `Job ${name} already exists`);
        const json = normalize<JobJson>('Job', raw);
        const groups = json.taskGroups ?? [];
        if (groups.length !== 1) throw invalid(`A job must have exactly one task group, got ${groups.length}`);
        const g = groups[0]!;
        if (!g.taskSpec?.runnables?.length) throw invalid('job.task_groups[0].task_spec.runnables: at least one runnable is required');
        for (const [i, r] of g.taskSpec.runnables.entries()) {
          const kinds = [r.container, r.script, r.barrier].filter((x) => x !== undefined && x !== null).length;
          if (kinds !== 1) throw invalid(`job.task_groups[0].task_spec.runnables[${i}]: exactly one of container, script or barrier is required`);
          if (r.container && !r.container.imageUri) throw invalid(`job.task_groups[0].task_spec.runnables[${i}].container.image_uri is required`);
        }
        const taskCount = num(g.taskCount, 1);
        if (g.taskEnvironments?.length && g.taskEnvironments.length !== taskCount) throw invalid(`task_environments has ${g.taskEnvironments.length} entries; it must be empty or have task_count (${taskCount})`);
        const uid = `${jobId.slice(0, 20)}-${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}`;
        Object.assign(json, { name, uid, createTime: now(), updateTime: now(), status: { state: 'QUEUED', statusEvents: [] } });
        g.name = `${name}/taskGroups/group0`;
        g.taskCount = String(taskCount);
        g.taskCountPerNode = String(num(g.taskCountPerNode, 1));
        g.parallelism = String(num(g.parallelism, taskCount));
        let finish!: () => void;
        const finished = new Promise<void>((r) => (finish = r));
        const job: FakeJob = { json, tasks: [], nodes: [], timers: new Set(), finished, finish };
        for (let i = 0; i < taskCount; i++) job.tasks.push({ index: i, state: 'PENDING', events: [], attempts: 0, logs: [] });
        jobs.set(name, job);
        refreshStatus(job);
        later(job, stepMs, () => void startJob(job));
        return sendJson(res, 200, wire(req, 'Job', json));
      }
      if (method === 'GET') {
        const filter = parseFilter(url.searchParams.get('filter') ?? '');
        const list = [...jobs.values()].map((j) => j.json).filter(filter);
        const orderBy = url.searchParams.get('orderBy') ?? url.searchParams.get('order_by') ?? '';
        if (/^create_?time desc$/i.test(orderBy.trim())) list.reverse();
        else if (orderBy && !/^(create_?time|name)( asc)?$/i.test(orderBy.trim())) throw invalid(`Invalid order_by "${orderBy}" (supported: create_time, create_time desc, name)`);
        if (/^name/.test(orderBy)) list.sort((a, b) => a.name.localeCompare(b.name));
        for (const j of jobs.values()) refreshStatus(j);
        const p = page(list, url);
        return sendJson(res, 200, { jobs: p.items.map((j) => wire(req, 'Job', j)), ...(p.next ? { nextPageToken: p.next } : {}) });
      }
    }

    if ((m = /^\/v1\/((projects\/[^/]+\/locations\/[^/]+)\/jobs\/[^/:]+)(:cancel)?$/.exec(path))) {
      const [, name, parent, cancel] = m;
      const job = findJob(name!);
      if (cancel && method === 'POST') return sendJson(res, 200, operation(parent!, 'cancel', name!, stopJob(job, 'cancel'), 'type.googleapis.com/google.cloud.batch.v1.CancelJobResponse'));
      if (method === 'GET') {
        refreshStatus(job);
        return sendJson(res, 200, wire(req, 'Job', job.json));
      }
      if (method === 'DELETE') {
        const work = stopJob(job, 'delete').then(() => {
          jobs.delete(name!);
          gone.set(name!, job);
        });
        return sendJson(res, 200, operation(parent!, 'delete', name!, work, 'type.googleapis.com/google.protobuf.Empty'));
      }
    }

    if ((m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+)\/taskGroups\/([^/]+)\/tasks(?:\/([^/]+))?$/.exec(path)) && method === 'GET') {
      const [, jobName, groupId, index] = m;
      const job = findJob(jobName!);
      if (groupId !== 'group0') throw notFound(`Task group ${jobName}/taskGroups/${groupId}`);
      if (index !== undefined) {
        const task = job.tasks[Number(index)];
        if (!task || !/^\d+$/.test(index)) throw notFound(`Task ${jobName}/taskGroups/${groupId}/tasks/${index}`);
        return sendJson(res, 200, wire(req, 'Task', taskJson(job, task)));
      }
      const filter = url.searchParams.get('filter') ?? '';
      const fm = /^\s*status\.state\s*=\s*"?([A-Z_]+)"?\s*$/.exec(filter);
      if (filter && !fm) throw invalid(`Invalid task filter "${filter}" (supported: status.state="STATE")`);
      const tasks = job.tasks.filter((t) => !fm || t.state === fm[1]);
      const p = page(tasks, url);
      return sendJson(res, 200, { tasks: p.items.map((t) => wire(req, 'Task', taskJson(job, t))), ...(p.next ? { nextPageToken: p.next } : {}) });
    }

    if ((m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+)$/.exec(path)) && method === 'GET') {
      const op = operations.get(m[1]!);
      if (!op) throw notFound(`Operation ${m[1]}`);
      return sendJson(res, 200, op.json);
    }
    throw new GoogleApiError(404, 'NOT_FOUND', `The fake Batch API has no ${method} ${path}`);
  };

  const server = await serve(handler);
  const url = new URL(server.url);
  const inspect = (name: string) => {
    const job = jobs.get(name) ?? gone.get(name);
    if (!job) throw new Error(`fake batch: no job ${name}`);
    return job;
  };
  return {
    ...server,
    clientOptions: { apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', fallback: true },
    secrets,
    created,
    jobs: () => [...jobs.values()].map((j) => (refreshStatus(j), j.json)),
    job: (name) => {
      const j = jobs.get(name);
      if (j) refreshStatus(j);
      return j?.json;
    },
    taskStates: (name) => inspect(name).tasks.map((t) => t.state),
    taskLogs: (name, index) => inspect(name).tasks[index]?.logs ?? [],
    vms: (name) => inspect(name).nodes.map((n) => n.vm),
    settled: (name) => inspect(name).finished,
    jobStates: (name) => inspect(name).json.status.statusEvents.map((e) => /to ([A-Z_]+) for job/.exec(e.description)?.[1] ?? '?'),
    jobNames: () => [...jobs.keys(), ...gone.keys()],
    runningTasks: () => [...jobs.values()].reduce((a, j) => a + j.tasks.filter((t) => t.execution).length, 0),
    async close() {
      await Promise.all([...jobs.values()].map((j) => stopJob(j, 'delete')));
      await Promise.all([...operations.values()].map((op) => op.done));
      await server.close();
    },
  };
}
