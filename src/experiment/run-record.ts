/**
 * RunRecord: one line of `records.jsonl`, one per cell (see DESIGN.md "Records").
 * Writers write the newest version; readers go through `parseRunRecord`, which accepts every
 * version ever written and upgrades it to the newest shape.
 */
import { z } from 'zod';
import { OUTCOMES } from './outcomes.ts';
import { isPlainRunRecordV1 } from './run-record-guard.ts';

export { OUTCOMES, type Outcome } from './outcomes.ts';

export const RUN_RECORD_VERSION = 1;

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();

export const RunUsageSchema = z.object({
  input: amount,
  output: amount,
  cacheRead: amount,
  cacheWrite: amount,
  reasoning: amount,
});

/** Versions of the run environment; loose, so launchers may add what they know. */
export const RunEnvSchema = z.looseObject({
  image: z.string().optional(),
  cpus: z.number().positive().optional(),
  memory: z.union([z.string(), z.number()]).optional(),
  runnerVersion: z.string().optional(),
  proxyVersion: z.string().optional(),
  /** The backends and upstream models that answered the cell's calls, as `backend/model` (e.g. `sim/claude-sonnet-4-5`). */
  upstreams: z.array(z.string()).optional(),
});

/** One timed stretch of a launcher phase; `startMs` is the offset from the cell's startedAt. */
export const RecordPhaseSchema = z.object({
  name: z.string().min(1),
  startMs: z.number(),
  durationMs: amount,
});
export type RecordPhase = z.infer<typeof RecordPhaseSchema>;

const share = z.number().min(0).max(1);

/**
 * Where the cell's wall time went (src/trace/decompose.ts). Every instant of the cell is
 * counted once: in a model call if one was in flight, else in a tool call, else in the
 * runner's own work (harness: start-up, its processing between calls) while the runner
 * ran, else in agentab's phases around it (orchestration: workspace, setup, check), else
 * unattributed. The parts add up to wallMs; `unattributedMs` is the gap no clock explained.
 */
export const DecompositionSchema = z.object({
  wallMs: amount,
  modelMs: amount,
  toolMs: amount,
  harnessMs: amount,
  orchestrationMs: amount,
  unattributedMs: amount,
  /** Runner start → its first model call (part of harnessMs); null when it made none. */
  startupMs: amount.nullable(),
  /** Model and tool time whose clock placed it outside the cell (clock disagreement). */
  outsideMs: amount,
  shares: z.object({ model: share, tool: share, harness: share, orchestration: share, unattributed: share }),
  /** The stated tolerance: unattributed + outside time above it means the timeline does not tile. */
  toleranceMs: amount,
  withinTolerance: z.boolean(),
  modelCalls: count,
  toolCalls: count,
  /** How tool times were obtained: both ends recorded, start inferred, or no transcript. */
  toolTiming: z.enum(['measured', 'inferred', 'none']),
  /** Launcher phases recorded with their times, or laid out from durations (older records). */
  phaseTiming: z.enum(['measured', 'inferred']),
});
export type Decomposition = z.infer<typeof DecompositionSchema>;

export const RunRecordV1Schema = z.object({
  v: z.literal(1),
  experiment: z.string().min(1),
  runId: z.string().min(1),
  /** Cell id: stable hash of (experiment, runner, condition, task, rep). */
  cell: z.string().min(1),
  runner: z.string().min(1),
  runnerVersion: z.string().nullable(),
  condition: z.string().min(1),
  task: z.string().min(1),
  rep: count,
  launcher: z.string(),
  host: z.string(),
  /** ISO-8601 timestamp. */
  startedAt: z.string(),
  wallMs: amount,
  /** Null when the process was killed by a signal or never started. */
  exitCode: z.number().int().nullable(),
  outcome: z.enum(OUTCOMES),
  calls: count,
  usage: RunUsageSchema,
  /** Sum of the priced calls' costs; calls of `unpricedModels` add nothing. */
  costUsd: amount,
  /** Upstream models of this cell's calls that have no price (config or built-in table). */
  unpricedModels: z.array(z.string()).optional(),
  /** Sum of call durations. */
  modelMs: amount,
  /** Median time to first token over the cell's calls; null without calls. */
  ttftMs: amount.nullable(),
  overheadMs: amount,
  /** What the runner itself reported (turns, its own usage figures…); loose. */
  runnerReported: z.looseObject({}),
  env: RunEnvSchema,
  /** Position of the cell in the run order. */
  order: count.optional(),
  /** Pairing block: cells of one task sharing a block ran back to back and are compared as a pair. */
  block: count.optional(),
  /** Durations of the cell's calls, ms (for latency CDFs). */
  callLatenciesMs: z.array(amount).optional(),
  /** Attempt of the cell (absent: 1); a --retry appends a new record, the latest counts. */
  attempt: z.number().int().positive().optional(),
  /** When each launcher phase ran (the cell's timeline). */
  phases: z.array(RecordPhaseSchema).optional(),
  /** Where the wall time went: model, tool, harness, orchestration. */
  decomposition: DecompositionSchema.optional(),
});

export type RunRecord = z.infer<typeof RunRecordV1Schema>;
export type RunUsage = z.infer<typeof RunUsageSchema>;

export class RunRecordError extends Error {
  readonly code: 'invalid_run_record' | 'unsupported_run_record_version';
  readonly retryable = false;
  readonly context: Record<string, unknown>;
  constructor(
    message: string,
    code: RunRecordError['code'],
    context: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RunRecordError';
    this.code = code;
    this.context = context;
  }
}

/** Validate one decoded JSON value as a RunRecord of any known version; returns the newest shape. */
export function parseRunRecord(raw: unknown): RunRecord {
  const v = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined;
  if (v !== 1) {
    throw new RunRecordError(
      typeof v === 'number' && v > RUN_RECORD_VERSION
        ? `run record version ${v} is newer than this agentab understands (${RUN_RECORD_VERSION})`
        : `run record has no known version (v = ${JSON.stringify(v)})`,
      'unsupported_run_record_version',
      { v },
    );
  }
  // a record as agentab writes it needs no copy: zod would return an equal value (run-record-guard.ts)
  if (isPlainRunRecordV1(raw)) return raw as RunRecord;
  const r = RunRecordV1Schema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? first.path.join('.') || '(root)' : '(root)';
    throw new RunRecordError(`invalid run record at ${where}: ${first?.message ?? 'invalid'}`, 'invalid_run_record', {
      path: where,
    }, r.error);
  }
  return r.data;
}
