/**
 * The spend record: one line of `spend.jsonl` per client request, written by the proxy.
 * Versioned; readers accept every older version and upgrade it, writers write the newest.
 *
 * No field can hold a secret: there are no headers, no bodies, and the one free-text field
 * (`error.message`) is built through `spendErrorOf`, which scrubs it.
 */
import { z } from 'zod';
import { STATUS_OF_KIND, type ErrorKind } from '../../canonical/errors.ts';
import { scrubSecrets } from '../../util/scrub.ts';
import { ProxyPhasesSchema } from '../call-phases.ts';

export const SPEND_RECORD_VERSION = 1 as const;

const ERROR_KINDS = Object.keys(STATUS_OF_KIND) as [ErrorKind, ...ErrorKind[]];

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const SpendUsageSchema = z.object({
  /** The whole prompt, cached or not. */
  input: count,
  output: count,
  /** Subset of input. */
  cacheRead: count,
  /** Subset of input. */
  cacheWrite: count,
  /** Subset of output. */
  reasoning: count,
});

export const SpendErrorSchema = z.object({
  /** Stable ProxyError code, e.g. `upstream_timeout`. */
  code: z.string(),
  kind: z.enum(ERROR_KINDS),
  /** Scrubbed of secrets (see spendErrorOf). */
  message: z.string(),
});
export type SpendError = z.infer<typeof SpendErrorSchema>;

export const SpendRecordV1Schema = z.object({
  v: z.literal(1),
  /** Unique per record (the proxy's request id). */
  id: z.string().min(1),
  /** When the request arrived, ISO 8601. */
  ts: z.iso.datetime({ offset: true }),
  cell: z.string().nullable(),
  run: z.string().nullable(),
  /**
   * The client surface's dialect (`anthropic`, `openai`, …). Plain strings here and below, not
   * closed enums: a surface or backend added later writes records older readers still accept.
   */
  surface: z.string().min(1),
  /** Request path without the query string, e.g. `/cell/abc/v1/messages`. */
  path: z.string(),
  /** The route's endpoint name: `messages`, `chat`, `count_tokens`, … */
  endpoint: z.string().min(1),
  /** The model name the client asked for. */
  alias: z.string(),
  /** Deployment id (`<alias>#<index>`) of the attempt that answered, null if none was reached. */
  deployment: z.string().nullable(),
  /** The provider name of the deployment that answered (`openai`, `vertex_ai`, `sim`, …). */
  backend: z.string().nullable(),
  upstreamModel: z.string().nullable(),
  stream: z.boolean(),
  /** HTTP status the proxy answered the client with. */
  status: z.number().int().min(100).max(599),
  error: SpendErrorSchema.nullable(),
  /** Upstream attempts made, across retries and fallbacks (0 when none was made). */
  attempts: count,
  /** From request arrival to the first content byte sent to the client; null if none was. */
  ttftMs: ms.nullable(),
  durationMs: ms,
  /**
   * Time spent waiting on the upstream, every attempt: from sending a request until its
   * response head, plus the wait for each chunk of its body. The proxy's own work between
   * chunks is not in it (before 2026-11-28 the whole span from request to the body's end was).
   */
  upstreamMs: ms,
  /** Time spent waiting between attempts (backoff, Retry-After); absent in older lines. */
  retryWaitMs: ms.default(0),
  /**
   * Time spent waiting on the client: from the request's arrival (its headers) until the last
   * byte of its body, i.e. the client's upload. Absent (0) in older lines, whose overheadMs
   * still holds it.
   */
  clientWaitMs: ms.default(0),
  /**
   * The proxy's own time: durationMs − upstreamMs − retryWaitMs − clientWaitMs, whatever the
   * outcome. It is wall time, so on a busy machine or proxy it also holds what other requests
   * and processes ran meanwhile, and a client slow to read a streamed answer adds to it.
   */
  overheadMs: ms,
  usage: SpendUsageSchema,
  /** null when neither the config nor the built-in table prices the model (`priced: false`). */
  costUsd: z.number().nonnegative().nullable(),
  /** False when the model has no price: costUsd is null, not a silent 0. Absent (true) in older lines. */
  priced: z.boolean().default(true),
  finish: z.string().nullable(),
  toolCalls: count,
  reqBytes: count,
  resBytes: count,
  /** The client's user-agent. */
  client: z.string().nullable(),
  /** x-claude-code-session-id / x-session-id. */
  session: z.string().nullable(),
  /** The proxy's own phases of the call, ms, adding up to durationMs (absent when phase timing is off). */
  phases: ProxyPhasesSchema.optional(),
});

export type SpendRecord = z.infer<typeof SpendRecordV1Schema>;

/** The `endpoint` of every token-counting route, whatever its surface. */
export const COUNT_TOKENS_ENDPOINT = 'count_tokens';
/** Endpoints that are not model calls: token counting, and names older proxies used for listings. */
const NOT_MODEL_CALLS: ReadonlySet<string> = new Set([COUNT_TOKENS_ENDPOINT, 'models', 'other']);

/** Whether a record is a model call (every surface's generate routes), not a token count. */
export function isModelCall(rec: Pick<SpendRecord, 'endpoint'>): boolean {
  return !NOT_MODEL_CALLS.has(rec.endpoint);
}
export type SpendUsage = z.infer<typeof SpendUsageSchema>;

/**
 * Every version a reader accepts. Each older version gets an upgrade function to the newest
 * when one is added; today v1 is the only one.
 */
const ANY_VERSION = z.discriminatedUnion('v', [SpendRecordV1Schema]);

function upgrade(rec: z.infer<typeof ANY_VERSION>): SpendRecord {
  switch (rec.v) {
    case 1:
      return rec;
  }
}

/** Validates and upgrades a parsed line; returns null when it is not a spend record. */
export function parseSpendRecord(value: unknown): SpendRecord | null {
  const r = ANY_VERSION.safeParse(value);
  return r.success ? upgrade(r.data) : null;
}

/** A record's cost for sums: an unpriced call adds nothing (reports list unpriced models separately). */
export function costOrZero(rec: Pick<SpendRecord, 'costUsd'>): number {
  return rec.costUsd ?? 0;
}

/** Builds a record of the newest version from its fields (those with defaults may be left out). */
export function makeSpendRecord(fields: Omit<z.input<typeof SpendRecordV1Schema>, 'v'>): SpendRecord {
  return { v: SPEND_RECORD_VERSION, retryWaitMs: 0, clientWaitMs: 0, priced: true, ...fields } as SpendRecord;
}

/** Upstream error bodies can be long; a record keeps the start of the message. */
export const MAX_ERROR_MESSAGE = 1000;

/**
 * The record's error field from a ProxyError (or anything with code/kind/message),
 * with every known secret and credential-shaped string scrubbed from the message.
 */
export function spendErrorOf(
  e: { code: string; kind: ErrorKind; message: string },
  secrets: readonly (string | undefined | null)[] = [],
): SpendError {
  const message = scrubSecrets(e.message, secrets);
  return {
    code: e.code,
    kind: e.kind,
    message: message.length > MAX_ERROR_MESSAGE ? message.slice(0, MAX_ERROR_MESSAGE) + '…' : message,
  };
}
