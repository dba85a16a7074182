/**
 * A counter and a histogram whose labelled series are plain objects: counting is a few field
 * additions, and prom-client's Registry renders them at scrape time. Hand-written on purpose
 * (the proxy hot path): prom-client hashes the label set on every `inc`/`observe`, even of a
 * child from `labels()`, which measured as a visible share of the pass-through's CPU per
 * request. `get()` returns what prom-client's own Counter and Histogram return (same value
 * objects, same series order: creation order), so the Registry writes the same text.
 */
import { format } from 'node:util';
import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** What prom-client's Registry formats: one line per value. */
interface MetricValue {
  labels: Readonly<Record<string, string | number>>;
  sharedLabels?: Labels;
  value: number;
  metricName?: string;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

function checkFinite(v: number): void {
  if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${format(v)}`);
}

function register(registry: Registry, metric: ScrapeCounter | ScrapeHistogram): void {
  // The Registry reads a metric through name and get() only (see the header).
  registry.registerMetric(metric as unknown as Metric);
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}

  /** prom-client's checks: a non-finite or negative increment throws and counts nothing. */
  inc(v = 1): void {
    if (v && !Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${format(v)}`);
    if (v < 0) throw new Error('It is not possible to decrease a counter');
    this.value += v;
  }
}

export class ScrapeCounter {
  readonly type = 'counter';
  private readonly all: CounterSeries[] = [];

  constructor(readonly name: string, readonly help: string, registry: Registry) {
    register(registry, this);
  }

  /**
   * A new series, shown from now on (prom-client shows a child from its first `inc`: callers
   * create a series when they first count it). Label keys are written in the object's order.
   */
  series(labels: Labels): CounterSeries {
    const s = new CounterSeries(labels);
    this.all.push(s);
    return s;
  }

  async get(): Promise<MetricData> {
    return { name: this.name, help: this.help, type: this.type, values: this.all.map((s) => ({ value: s.value, labels: s.labels })), aggregator: 'sum' };
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); a value above every bound is only in count. */
  readonly perBucket: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
    /** The histogram's shown series: this one joins it at its first observation. */
    private readonly shown: HistogramSeries[],
  ) {
    this.perBucket = bounds.map(() => 0);
  }

  observe(v: number): void {
    checkFinite(v);
    if (this.count === 0) this.shown.push(this);
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (v <= bounds[i]!) {
        this.perBucket[i]!++;
        break;
      }
    }
    this.sum += v;
    this.count += 1;
  }
}

export class ScrapeHistogram {
  readonly type = 'histogram';
  /** In the order of their first observation, prom-client's order. */
  private readonly shown: HistogramSeries[] = [];

  constructor(readonly name: string, readonly help: string, private readonly bounds: readonly number[], registry: Registry) {
    register(registry, this);
  }

  /** A new series; like prom-client's, it is shown from its first observation on. */
  series(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds, this.shown);
  }

  async get(): Promise<MetricData> {
    const values: MetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.shown) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.perBucket[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels: s.labels, value: cumulative, metricName: bucketName });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}
