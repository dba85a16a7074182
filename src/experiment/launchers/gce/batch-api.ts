/**
 * The few Batch v1 calls the launcher makes, over Google's own client (@google-cloud/batch
 * 2.5, the newest that supports Node 20) on its REST transport, so the requests are exactly
 * what Google's code sends; `endpoint` points it at another server (tests: a fake Batch).
 */
import type { BatchServiceClient } from '@google-cloud/batch';
import type { AuthClient } from 'google-auth-library';
import { GceError } from './errors.ts';
import { TASK_GROUP, type BatchJob } from './job.ts';

export type JobState = 'STATE_UNSPECIFIED' | 'QUEUED' | 'SCHEDULED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'DELETION_IN_PROGRESS' | 'CANCELLATION_IN_PROGRESS' | 'CANCELLED';
export type TaskState = 'STATE_UNSPECIFIED' | 'PENDING' | 'ASSIGNED' | 'RUNNING' | 'FAILED' | 'SUCCEEDED' | 'UNEXECUTED';

export const LIVE_JOB_STATES: ReadonlySet<string> = new Set(['STATE_UNSPECIFIED', 'QUEUED', 'SCHEDULED', 'RUNNING']);

export interface JobInfo {
  name: string;
  state: JobState;
  labels: Record<string, string>;
  createTime?: string;
  /** The latest status event's description (why a job failed). */
  lastEvent?: string;
}

export interface TaskInfo {
  /** 0-based, as BATCH_TASK_INDEX. */
  index: number;
  state: TaskState;
  lastEvent?: string;
}

export interface BatchApi {
  createJob(parent: string, jobId: string, job: BatchJob): Promise<JobInfo>;
  /** undefined when the job does not exist (deleted). */
  getJob(name: string): Promise<JobInfo | undefined>;
  listTasks(jobName: string): Promise<TaskInfo[]>;
  deleteJob(name: string): Promise<void>;
  listJobs(parent: string, filter?: string): Promise<JobInfo[]>;
}

export interface BatchClientOptions {
  /** e.g. http://127.0.0.1:8089 (tests); undefined: batch.googleapis.com. */
  endpoint?: string;
  /** Credentials (tests); default: Application Default Credentials. */
  authClient?: AuthClient;
}

type Event = { description?: string | null; eventTime?: unknown } | null | undefined;
const lastEventOf = (events: Event[] | null | undefined): string | undefined => {
  const e = events?.filter(Boolean).at(-1);
  return e?.description ?? undefined;
};

const enumName = (v: unknown): string => (typeof v === 'string' ? v : 'STATE_UNSPECIFIED');
/** gRPC NOT_FOUND, or HTTP 404: on the REST transport the auth library's fetch throws with the HTTP status before gax maps it. */
const isNotFound = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return code === 5 || code === 404;
};

function apiError(what: string, e: unknown): GceError {
  const err = e as { code?: number; message?: string };
  return new GceError('gce_api', `Batch ${what}: ${err.message ?? String(e)}`, { retryable: err.code === 14 || err.code === 4, cause: e, context: { grpcCode: err.code } });
}

function jobInfo(j: { name?: string | null; labels?: Record<string, string> | null; status?: { state?: unknown; statusEvents?: Event[] | null } | null; createTime?: { seconds?: unknown } | null }): JobInfo {
  const seconds = Number(j.createTime?.seconds ?? NaN);
  return {
    name: j.name ?? '',
    state: enumName(j.status?.state) as JobState,
    labels: { ...(j.labels ?? {}) },
    createTime: Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined,
    lastEvent: lastEventOf(j.status?.statusEvents),
  };
}

/** "3600s" / "1.5s" (proto3 JSON) → {seconds, nanos}. */
function durationObject(d: string): { seconds: number; nanos: number } {
  const m = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(d);
  if (!m) throw new GceError('gce_options_invalid', `not a duration: "${d}" (expected e.g. "3600s")`);
  return { seconds: Number(m[1]), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

/**
 * The job as the client's createJob takes it. BatchJob is proto3 JSON (what the REST API
 * receives, golden-tested against the protos), but the client first builds its protobufjs
 * message with `fromObject`, which reads a google.protobuf.Duration only as {seconds, nanos}
 * ("object expected" for "3600s"); every other field of the job reads the same both ways.
 */
export function toClientObject(job: BatchJob): BatchJob {
  const copy = structuredClone(job) as BatchJob & { taskGroups: Array<{ taskSpec?: { maxRunDuration?: unknown; runnables?: Array<{ timeout?: unknown }> } }> };
  for (const group of copy.taskGroups ?? []) {
    const spec = group.taskSpec;
    if (!spec) continue;
    if (typeof spec.maxRunDuration === 'string') spec.maxRunDuration = durationObject(spec.maxRunDuration);
    for (const r of spec.runnables ?? []) if (typeof r.timeout === 'string') r.timeout = durationObject(r.timeout);
  }
  return copy;
}

export function createBatchApi(o: BatchClientOptions = {}): BatchApi {
  let endpointOpts: Record<string, unknown> = {};
  if (o.endpoint) {
    const u = new URL(o.endpoint);
    endpointOpts = { apiEndpoint: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)), protocol: u.protocol.replace(':', '') };
  }
  // loaded on first use: google-gax is heavy, and most runs never touch GCE
  let made: Promise<BatchServiceClient> | undefined;
  const batch = () =>
    (made ??= import('@google-cloud/batch').then(
      // the auth client comes from our google-auth-library, the client's types from its own copy
      ({ BatchServiceClient: Client }) => new Client({ fallback: true, ...endpointOpts, ...(o.authClient ? { authClient: o.authClient } : {}) } as ConstructorParameters<typeof Client>[0]),
    ));
  return {
    async createJob(parent, jobId, job) {
      try {
        const [created] = await (await batch()).createJob({ parent, jobId, job: toClientObject(job) });
        return jobInfo(created);
      } catch (e) {
        throw apiError(`createJob ${jobId}`, e);
      }
    },
    async getJob(name) {
      try {
        const [j] = await (await batch()).getJob({ name });
        return jobInfo(j);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw apiError(`getJob ${name}`, e);
      }
    },
    // no pageSize: the client pages through every result itself, and a pageSize with its
    // auto-paging prints an AutopaginateTrueWarning on the user's terminal
    async listTasks(jobName) {
      try {
        const [tasks] = await (await batch()).listTasks({ parent: `${jobName}/taskGroups/${TASK_GROUP}` });
        return tasks.map((t) => ({
          index: Number(/\/tasks\/(\d+)$/.exec(t.name ?? '')?.[1] ?? -1),
          state: enumName(t.status?.state) as TaskState,
          lastEvent: lastEventOf(t.status?.statusEvents as Event[] | undefined),
        }));
      } catch (e) {
        if (isNotFound(e)) return [];
        throw apiError(`listTasks ${jobName}`, e);
      }
    },
    async deleteJob(name) {
      try {
        await (await batch()).deleteJob({ name, reason: 'agentab: run stopped' });
      } catch (e) {
        if (isNotFound(e)) return;
        throw apiError(`deleteJob ${name}`, e);
      }
    },
    async listJobs(parent, filter) {
      try {
        const [jobs] = await (await batch()).listJobs({ parent, filter });
        return jobs.map(jobInfo);
      } catch (e) {
        throw apiError(`listJobs ${parent}`, e);
      }
    },
  };
}
