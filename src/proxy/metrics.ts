/**
 * Prometheus metrics of the proxy, fed from spend records (subscribe `observe` to the
 * SpendWriter's onRecord). Lives on its own Registry, not prom-client's global one, so
 * several proxies in one process (tests, the bench) do not share series. The metrics counted
 * on every request are scrape-time ones (scrape-metrics.ts: plain fields, no label hashing);
 * errors stay a prom-client Counter, counted only when a request fails.
 */
import { Counter, Registry } from 'prom-client';
import { ScrapeCounter, ScrapeHistogram, type CounterSeries, type HistogramSeries } from './scrape-metrics.ts';
import type { SpendRecord } from './spend/record.ts';

const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_write', 'reasoning'] as const;
type TokenType = (typeof TOKEN_TYPES)[number];

/** Whole calls: fast count_tokens calls up to long agent turns. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
/** Time to first token: tens of ms (sim, cached) up to a stalled upstream. */
const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];
/** The proxy's own time: tens of microseconds when healthy, ms when it is the bottleneck. */
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The label of a requested model name: a configured alias (or the wildcard alias serving it), else undefined. */
export type AliasLabeler = (requested: string) => string | undefined;

/** Requests for names no alias serves share this label, so clients cannot exhaust the series. */
export const UNKNOWN_ALIAS_LABEL = 'unknown';

/** Model names whose series observe() remembers; clients can send any name, so this is bounded. */
const MAX_REQUESTED_NAMES = 1024;

/** Label values are printable: control characters (ESC …) become `?`. */
function printable(v: string): string {
  return v.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

interface AliasSeries {
  alias: string;
  /** The requests counter's children, by `<surface> <status>`. */
  requests: Map<string, CounterSeries>;
  tokens: Record<TokenType, CounterSeries>;
  cost: CounterSeries;
  duration: HistogramSeries;
  ttft: HistogramSeries;
  overhead: HistogramSeries;
}

export class ProxyMetrics {
  readonly registry: Registry;
  private readonly requests: ScrapeCounter;
  private readonly errors: Counter<'alias' | 'code'>;
  private readonly tokens: ScrapeCounter;
  private readonly cost: ScrapeCounter;
  private readonly duration: ScrapeHistogram;
  private readonly ttft: ScrapeHistogram;
  private readonly overhead: ScrapeHistogram;
  /** Label children per alias, so observe() does not hash label sets for every series. */
  private readonly byAlias = new Map<string, AliasSeries>();
  /** The series of each model name requested (bounded: beyond it names are looked up each time). */
  private readonly byRequested = new Map<string, AliasSeries>();

  /**
   * `labelOf` maps a requested model name to its configured alias; names it does not know are
   * counted under `unknown` (by default every name is unknown except those seen through it).
   */
  constructor(
    registry: Registry = new Registry(),
    private readonly labelOf: AliasLabeler = (requested) => requested,
  ) {
    this.registry = registry;
    const registers = [registry];
    // Registration order is the exposition's order.
    this.requests = new ScrapeCounter('agentab_requests_total', 'Client requests answered, by alias, client surface and HTTP status', registry);
    this.errors = new Counter({
      name: 'agentab_errors_total',
      help: 'Requests answered with an error, by alias and stable error code',
      labelNames: ['alias', 'code'],
      registers: [registry],
    });
    this.tokens = new ScrapeCounter(
      'agentab_tokens_total',
      'Tokens by type; input counts the whole prompt, cache_read/cache_write are part of it, reasoning is part of output',
      registry,
    );
    this.cost = new ScrapeCounter('agentab_cost_usd_total', 'Cost in USD at list or configured prices', registry);
    this.duration = new ScrapeHistogram('agentab_request_duration_seconds', 'Time from request arrival to the last byte answered', DURATION_BUCKETS, registry);
    this.ttft = new ScrapeHistogram('agentab_ttft_seconds', 'Time from request arrival to the first content byte answered', TTFT_BUCKETS, registry);
    this.overhead = new ScrapeHistogram('agentab_overhead_seconds', 'Request duration minus time spent waiting on the upstream', OVERHEAD_BUCKETS, registry);
  }

  /** Counts one spend record. Cheap: a few additions on cached label children. */
  observe(rec: SpendRecord): void {
    const s = this.seriesOfRequested(rec.alias);
    const alias = s.alias;
    const key = `${rec.surface} ${rec.status}`;
    let requests = s.requests.get(key);
    if (!requests) {
      requests = this.requests.series({ alias, surface: rec.surface, status: String(rec.status) });
      s.requests.set(key, requests);
    }
    requests.inc();
    if (rec.error) this.errors.inc({ alias, code: printable(rec.error.code) });
    const u = rec.usage;
    if (u.input) s.tokens.input.inc(u.input);
    if (u.output) s.tokens.output.inc(u.output);
    if (u.cacheRead) s.tokens.cache_read.inc(u.cacheRead);
    if (u.cacheWrite) s.tokens.cache_write.inc(u.cacheWrite);
    if (u.reasoning) s.tokens.reasoning.inc(u.reasoning);
    if (rec.costUsd) s.cost.inc(rec.costUsd);
    s.duration.observe(rec.durationMs / 1000);
    s.overhead.observe(rec.overheadMs / 1000);
    if (rec.ttftMs !== null) s.ttft.observe(rec.ttftMs / 1000);
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private aliasLabel(alias: string): string {
    return printable(this.labelOf(alias) ?? UNKNOWN_ALIAS_LABEL);
  }

  private seriesOfRequested(requested: string): AliasSeries {
    let s = this.byRequested.get(requested);
    if (!s) {
      s = this.series(this.aliasLabel(requested));
      if (this.byRequested.size < MAX_REQUESTED_NAMES) this.byRequested.set(requested, s);
    }
    return s;
  }

  private series(alias: string): AliasSeries {
    let s = this.byAlias.get(alias);
    if (!s) {
      // Token and cost series are shown from the alias's first request on, at 0.
      const tokens = {} as Record<TokenType, CounterSeries>;
      for (const type of TOKEN_TYPES) tokens[type] = this.tokens.series({ alias, type });
      const labels = { alias };
      s = {
        alias,
        requests: new Map(),
        tokens,
        cost: this.cost.series(labels),
        duration: this.duration.series(labels),
        ttft: this.ttft.series(labels),
        overhead: this.overhead.series(labels),
      };
      this.byAlias.set(alias, s);
    }
    return s;
  }
}
