/**
 * Prometheus metrics of the proxy, fed from spend records (subscribe `observe` to the
 * SpendWriter's onRecord). Lives on its own Registry, not prom-client's global one, so
 * several proxies in one process (tests, the bench) do not share series.
 */
import { Counter, Histogram, Registry } from 'prom-client';
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
  requests: Map<string, { inc(): void }>;
  tokens: Record<TokenType, { inc(v: number): void }>;
  cost: { inc(v: number): void };
  duration: { observe(v: number): void };
  ttft: { observe(v: number): void };
  overhead: { observe(v: number): void };
}

export class ProxyMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'alias' | 'surface' | 'status'>;
  private readonly errors: Counter<'alias' | 'code'>;
  private readonly tokens: Counter<'alias' | 'type'>;
  private readonly cost: Counter<'alias'>;
  private readonly duration: Histogram<'alias'>;
  private readonly ttft: Histogram<'alias'>;
  private readonly overhead: Histogram<'alias'>;
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
    this.requests = new Counter({
      name: 'agentab_requests_total',
      help: 'Client requests answered, by alias, client surface and HTTP status',
      labelNames: ['alias', 'surface', 'status'],
      registers,
    });
    this.errors = new Counter({
      name: 'agentab_errors_total',
      help: 'Requests answered with an error, by alias and stable error code',
      labelNames: ['alias', 'code'],
      registers,
    });
    this.tokens = new Counter({
      name: 'agentab_tokens_total',
      help: 'Tokens by type; input counts the whole prompt, cache_read/cache_write are part of it, reasoning is part of output',
      labelNames: ['alias', 'type'],
      registers,
    });
    this.cost = new Counter({
      name: 'agentab_cost_usd_total',
      help: 'Cost in USD at list or configured prices',
      labelNames: ['alias'],
      registers,
    });
    this.duration = new Histogram({
      name: 'agentab_request_duration_seconds',
      help: 'Time from request arrival to the last byte answered',
      labelNames: ['alias'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.ttft = new Histogram({
      name: 'agentab_ttft_seconds',
      help: 'Time from request arrival to the first content byte answered',
      labelNames: ['alias'],
      buckets: TTFT_BUCKETS,
      registers,
    });
    this.overhead = new Histogram({
      name: 'agentab_overhead_seconds',
      help: 'Request duration minus time spent waiting on the upstream',
      labelNames: ['alias'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
  }

  /** Counts one spend record. Cheap: a few additions on cached label children. */
  observe(rec: SpendRecord): void {
    const s = this.seriesOfRequested(rec.alias);
    const alias = s.alias;
    const key = `${rec.surface} ${rec.status}`;
    let requests = s.requests.get(key);
    if (!requests) {
      requests = this.requests.labels({ alias, surface: rec.surface, status: String(rec.status) });
      s.requests.set(key, requests);
    }
    requests.inc();
    if (rec.error) this.errors.inc({ alias, code: printable(rec.error.code) });
    // Every inc hashes its label set in prom-client: zeros are skipped (the series exist from
    // their creation, at 0, so nothing disappears from the exposition).
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
      const tokens = {} as Record<TokenType, { inc(v: number): void }>;
      for (const type of TOKEN_TYPES) {
        tokens[type] = this.tokens.labels({ alias, type });
        tokens[type].inc(0);
      }
      const cost = this.cost.labels({ alias });
      cost.inc(0);
      s = {
        alias,
        requests: new Map(),
        tokens,
        cost,
        duration: this.duration.labels({ alias }),
        ttft: this.ttft.labels({ alias }),
        overhead: this.overhead.labels({ alias }),
      };
      this.byAlias.set(alias, s);
    }
    return s;
  }
}
