/**
 * Exports one OpenTelemetry span per model call to an OTLP/HTTP (JSON) endpoint, with the
 * GenAI semantic conventions, from the spend record the proxy writes when the call ends.
 *
 * Never in a request's way: spans are made after the response has gone out, queued in the
 * SDK's BatchSpanProcessor (bounded: when the queue is full, spans are dropped, not waited
 * for) and sent in batches in the background. A receiver that is down or slow costs failed or
 * timed-out background exports, which are counted and logged at most once a minute.
 */
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../../util/log.ts';
import { VERSION } from '../../version.ts';
import type { SpendRecord } from '../spend/record.ts';
import { AGENTAB, GEN_AI, OPERATION_CHAT, PROVIDER_NAMES } from './gen-ai.ts';

export interface OtlpOptions {
  /**
   * The collector: a base URL (`http://host:4318`, `/v1/traces` is appended, as with
   * OTEL_EXPORTER_OTLP_ENDPOINT) or the full traces URL (ending in `/v1/traces`).
   */
  endpoint: string;
  /** Extra request headers (an API key for a hosted collector). Never logged. */
  headers?: Record<string, string>;
  serviceName?: string;
  /** Spans per export request. */
  maxBatchSize?: number;
  /** Spans held while exports are slow; beyond it new spans are dropped. */
  maxQueueSize?: number;
  /** How long spans wait for a batch to fill, ms. */
  scheduledDelayMs?: number;
  /** One export request's limit, ms. */
  exportTimeoutMs?: number;
}

export interface OtlpSpanSink {
  /** Records the span of one finished call (synchronous, cheap: it only queues). */
  observe(rec: SpendRecord): void;
  /** Sends what is queued; resolves within `exportTimeoutMs` whatever the receiver does. */
  flush(): Promise<void>;
  /** Flushes and stops; idempotent. */
  shutdown(): Promise<void>;
  /** Spans handed to the exporter, exported, and lost (failed export or full queue). */
  readonly stats: { queued: number; exported: number; failed: number };
}

/** The traces URL of an endpoint given the way OTEL_EXPORTER_OTLP_ENDPOINT is. */
export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`--otlp-endpoint: not a URL: "${endpoint}" (expected e.g. http://127.0.0.1:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--otlp-endpoint: expected an http(s) URL, got "${endpoint}"`);
  if (url.pathname.endsWith('/v1/traces')) return url.toString();
  url.pathname = url.pathname.replace(/\/$/, '') + '/v1/traces';
  return url.toString();
}

/** The span attributes of one call (GenAI conventions plus agentab's own). */
export function genAiAttributes(rec: SpendRecord): Attributes {
  const a: Attributes = {
    [GEN_AI.operationName]: OPERATION_CHAT,
    [GEN_AI.requestModel]: rec.alias,
    [GEN_AI.inputTokens]: rec.usage.input,
    [GEN_AI.outputTokens]: rec.usage.output,
    [GEN_AI.cacheReadInputTokens]: rec.usage.cacheRead,
    [GEN_AI.cacheCreationInputTokens]: rec.usage.cacheWrite,
    [AGENTAB.requestId]: rec.id,
    [AGENTAB.attempts]: rec.attempts,
  };
  // Assigned in order rather than spread in (util/objects.ts): the attributes keep their order.
  if (rec.costUsd !== null) a[AGENTAB.costUsd] = rec.costUsd;
  a[AGENTAB.retryWaitMs] = rec.retryWaitMs;
  a[AGENTAB.clientWaitMs] = rec.clientWaitMs;
  a[AGENTAB.overheadMs] = rec.overheadMs;
  a[AGENTAB.upstreamMs] = rec.upstreamMs;
  a[AGENTAB.surface] = rec.surface;
  a[AGENTAB.endpoint] = rec.endpoint;
  a['http.response.status_code'] = rec.status;
  if (rec.backend) a[GEN_AI.providerName] = PROVIDER_NAMES[rec.backend] ?? rec.backend;
  if (rec.upstreamModel) a[GEN_AI.responseModel] = rec.upstreamModel;
  if (rec.usage.reasoning) a[GEN_AI.reasoningOutputTokens] = rec.usage.reasoning;
  if (rec.finish) a[GEN_AI.finishReasons] = [rec.finish];
  if (rec.stream && rec.ttftMs !== null) a[GEN_AI.timeToFirstChunk] = rec.ttftMs / 1000;
  if (rec.session) a[GEN_AI.conversationId] = rec.session;
  if (rec.cell) a[AGENTAB.cell] = rec.cell;
  if (rec.run) a[AGENTAB.run] = rec.run;
  if (rec.deployment) a[AGENTAB.deployment] = rec.deployment;
  if (rec.error) a['error.type'] = rec.error.code;
  if (rec.phases) for (const [phase, ms] of Object.entries(rec.phases)) a[`${AGENTAB.proxyPhasePrefix}${phase}_ms`] = ms;
  return a;
}

/** Wraps an exporter to count what it sent and lost, and to report failures without flooding the log. */
function countingExporter(inner: SpanExporter, stats: OtlpSpanSink['stats'], log: Logger | undefined, target: string): SpanExporter {
  let lastWarn = 0;
  return {
    export(spans: ReadableSpan[], done) {
      inner.export(spans, (result) => {
        if (result.code === 0) stats.exported += spans.length;
        else {
          stats.failed += spans.length;
          const now = Date.now();
          if (log && now - lastWarn > 60_000) {
            lastWarn = now;
            log.warn('OTLP export failed; spans dropped (requests are not affected)', { endpoint: target, spans: spans.length, error: result.error?.message ?? 'unknown' });
          }
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export function createOtlpSink(o: OtlpOptions, log?: Logger, exporterOverride?: SpanExporter): OtlpSpanSink {
  const url = tracesUrl(o.endpoint);
  const timeout = o.exportTimeoutMs ?? 5000;
  const stats = { queued: 0, exported: 0, failed: 0 };
  const inner = exporterOverride ?? new OTLPTraceExporter({ url, headers: o.headers ?? {}, timeoutMillis: timeout });
  const maxQueueSize = o.maxQueueSize ?? 4096;
  const processor = new BatchSpanProcessor(countingExporter(inner, stats, log, new URL(url).origin), {
    maxExportBatchSize: Math.min(o.maxBatchSize ?? 512, maxQueueSize),
    maxQueueSize,
    scheduledDelayMillis: o.scheduledDelayMs ?? 1000,
    exportTimeoutMillis: timeout,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.serviceName ?? 'agentab-proxy', 'service.version': VERSION }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('agentab', VERSION);
  let stopped: Promise<void> | undefined;
  // a flush must not outlive the caller's patience when the receiver hangs
  const bounded = (p: Promise<void>) =>
    Promise.race([p.catch(() => undefined), new Promise<void>((r) => setTimeout(r, timeout + 500).unref())]);
  return {
    stats,
    observe(rec) {
      if (stopped) return;
      const start = Date.parse(rec.ts);
      const span = tracer.startSpan(`${OPERATION_CHAT} ${rec.alias || 'unknown'}`, { kind: SpanKind.CLIENT, startTime: start, attributes: genAiAttributes(rec) });
      if (rec.ttftMs !== null) span.addEvent('gen_ai.first_chunk', start + rec.ttftMs);
      if (rec.error || rec.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: rec.error?.message ?? `HTTP ${rec.status}` });
      span.end(start + rec.durationMs);
      stats.queued++;
    },
    flush: () => bounded(provider.forceFlush()),
    shutdown() {
      stopped ??= bounded(provider.shutdown());
      return stopped;
    },
  };
}
