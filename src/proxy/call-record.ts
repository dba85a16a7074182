/**
 * Collects what one client request did and turns it into exactly one spend record when
 * the request ends, whatever way it ends.
 */
import type { Deployment } from '../config/types.ts';
import type { FinishReason, Usage } from '../canonical/form.ts';
import { emptyUsage } from '../canonical/form.ts';
import { ProxyError } from '../canonical/errors.ts';
import { SPEND_RECORD_VERSION, spendErrorOf, type SpendRecord } from './spend/record.ts';
import { quoteCost } from './spend/prices.ts';
import type { UpstreamTimer } from './backends/types.ts';
import { phasesOf, type PhaseMarks } from './call-phases.ts';

export interface CallRecordInit {
  id: string;
  startedAt: number; // performance.now()
  ts: string;
  cell: string | null;
  run: string | null;
  /** The surface's dialect name. */
  surface: string;
  path: string;
  /** The route's endpoint name (`chat`, `messages`, `count_tokens`, …). */
  endpoint: string;
  client: string | null;
  session: string | null;
  reqBytes: number;
}

export class CallRecord {
  alias = '';
  stream = false;
  deployment: Deployment | undefined;
  attempts = 0;
  retryWaitMs = 0;
  /** Time spent waiting on the client: from the request's arrival until its body's last byte (ms). */
  clientWaitMs = 0;
  status = 200;
  error: ProxyError | undefined;
  firstContentAt: number | undefined;
  usage: Usage = emptyUsage();
  finish: FinishReason | null = null;
  toolCalls = 0;
  resBytes = 0;
  timer: UpstreamTimer | undefined;
  /** The proxy's phase marks; null when phase timing is off (then the record has no `phases`). */
  readonly marks: PhaseMarks | null;
  private written = false;

  constructor(
    readonly init: CallRecordInit,
    /** The record's clock (ms); taps that time a chunk after reading it later take its arrival from it. */
    readonly now: () => number = () => performance.now(),
    phaseTiming = true,
  ) {
    // every mark present from the start: one object shape for all calls, so setting a mark is a
    // plain field store rather than a shape transition that depends on which marks a call reaches
    this.marks = phaseTiming ? { bodyRead: undefined, upstreamSent: undefined, upstreamAnswered: undefined, firstByte: undefined, responded: undefined } : null;
  }

  /** Marks a point of the proxy's own phases (see call-phases.ts); a no-op when timing is off. */
  mark(point: keyof PhaseMarks): void {
    if (this.marks) this.marks[point] = this.now();
  }

  /** The request body's last byte arrived: the wait on the client ends (see clientWaitMs). */
  bodyReceived(): void {
    this.clientWaitMs = this.now() - this.init.startedAt;
  }

  /** The first content reached the proxy: now, or at `at` on the record's clock when it was read later. */
  firstContent(at?: number): void {
    if (this.firstContentAt === undefined) this.firstContentAt = at ?? this.now();
  }

  /** Takes the finite numbers of `u`; keys new to the usage go after the others, in `u`'s order. */
  addUsage(u: Partial<Usage>): void {
    // A new object, not an update in place: a record already built (cut at shutdown) keeps its
    // usage. for…in rather than Object.entries: no array of pairs on every usage report.
    const next: Usage = { ...this.usage };
    for (const k in u) {
      const v = u[k as keyof Usage];
      if (typeof v === 'number' && Number.isFinite(v)) next[k as keyof Usage] = v;
    }
    this.usage = next;
  }

  fail(e: unknown): ProxyError {
    const pe = ProxyError.from(e);
    this.error = pe;
    this.status = pe.status;
    return pe;
  }

  /** An error after the 200 and the stream's first bytes went out: the status stays 200. */
  midStreamError(e: unknown): ProxyError {
    const pe = ProxyError.from(e);
    this.error = pe;
    this.finish = 'error';
    return pe;
  }

  /** Builds the record once; later calls return null. */
  build(secrets: readonly (string | undefined)[]): SpendRecord | null {
    if (this.written) return null;
    this.written = true;
    const end = this.now();
    const durationMs = end - this.init.startedAt;
    const retryWaitMs = Math.min(durationMs, this.retryWaitMs);
    const upstreamMs = Math.min(durationMs - retryWaitMs, this.timer?.upstreamMs ?? 0);
    const clientWaitMs = Math.min(durationMs - retryWaitMs - upstreamMs, this.clientWaitMs);
    const d = this.deployment;
    const quote = d
      ? quoteCost(this.usage, d.priceModel ?? d.model, {
          inputCostPerToken: d.inputCostPerToken,
          outputCostPerToken: d.outputCostPerToken,
          cacheReadCostPerToken: d.cacheReadCostPerToken,
          cacheWriteCostPerToken: d.cacheWriteCostPerToken,
        }, d.provider)
      : { costUsd: 0, priceKnown: true };
    // One object literal in the record's key order (makeSpendRecord's order: v, the defaulted
    // fields, then the rest): no spreads of 35 fields per call, which measured as a visible
    // share of the pass-through's CPU, and a fast-mode object for JSON.stringify.
    const record: SpendRecord = {
      v: SPEND_RECORD_VERSION,
      retryWaitMs: round3(retryWaitMs),
      clientWaitMs: round3(clientWaitMs),
      priced: quote.priceKnown,
      id: this.init.id,
      ts: this.init.ts,
      cell: this.init.cell,
      run: this.init.run,
      surface: this.init.surface,
      path: this.init.path,
      endpoint: this.init.endpoint,
      alias: this.alias,
      deployment: d?.id ?? null,
      backend: d?.provider ?? null,
      upstreamModel: d?.model ?? null,
      stream: this.stream,
      status: this.status,
      error: this.error ? spendErrorOf(this.error, secrets) : null,
      attempts: this.attempts,
      ttftMs: this.firstContentAt === undefined ? null : round3(this.firstContentAt - this.init.startedAt),
      durationMs: round3(durationMs),
      upstreamMs: round3(upstreamMs),
      overheadMs: round3(Math.max(0, durationMs - upstreamMs - retryWaitMs - clientWaitMs)),
      usage: this.usage,
      costUsd: quote.priceKnown ? quote.costUsd : null,
      finish: this.finish,
      toolCalls: this.toolCalls,
      reqBytes: this.init.reqBytes,
      resBytes: this.resBytes,
      client: this.init.client,
      session: this.init.session,
    };
    if (this.marks) {
      this.marks.upstreamSent = this.timer?.sentAt;
      this.marks.firstByte = this.timer?.firstByteAt ?? this.firstContentAt;
      record.phases = phasesOf(this.init.startedAt, this.marks, end);
    }
    return record;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
