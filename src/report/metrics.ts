/** The metrics a report can compare: how to read each from a RunRecord, and how to show it. */
import type { RunRecord } from '../experiment/run-record.ts';
import { ReportError } from './errors.ts';

export type MetricKind = 'duration' | 'tokens' | 'count' | 'usd';

export interface MetricDef {
  id: string;
  label: string;
  kind: MetricKind;
  /** What the metric counts, for the report's glossary. */
  help: string;
  /** Value of the metric for a record; NaN when the record has none (e.g. ttft without calls). */
  read(r: RunRecord): number;
  /**
   * Set when less of it is not better: prompt-cache tokens (fewer cache reads usually means a
   * dearer run). Its significant changes read "increased" / "decreased", never improved or
   * regressed, and never count toward a condition's overall reading.
   */
  neutral?: true;
}

export const METRICS = [
  { id: 'wall', label: 'wall time', kind: 'duration', help: "the cell's whole run: workspace, setup, the agent, the check (s)", read: (r) => r.wallMs },
  { id: 'model', label: 'model time', kind: 'duration', help: "sum of the durations of the cell's model calls, as the proxy timed them (s)", read: (r) => r.modelMs },
  // from the wall-time decomposition (src/trace/decompose.ts); NaN for records written before it
  { id: 'tool', label: 'tool time', kind: 'duration', help: "time no model call was in flight while a tool the agent called ran (from the cell's timeline; s)", read: (r) => r.decomposition?.toolMs ?? NaN },
  { id: 'harness', label: 'harness time', kind: 'duration', help: "the agent's own time: start-up and its work between calls (from the timeline; s)", read: (r) => r.decomposition?.harnessMs ?? NaN },
  { id: 'calls', label: 'calls', kind: 'count', help: 'model calls the agent made through the proxy', read: (r) => r.calls },
  { id: 'input', label: 'input tokens', kind: 'tokens', help: 'prompt tokens of every call, cached tokens included (cache reads and writes are part of input)', read: (r) => r.usage.input },
  { id: 'output', label: 'output tokens', kind: 'tokens', help: 'completion tokens of every call, reasoning tokens included', read: (r) => r.usage.output },
  { id: 'cacheRead', label: 'cache-read tokens', kind: 'tokens', help: 'input tokens served from the prompt cache (a subset of input tokens); more or fewer is neither better nor worse in itself', read: (r) => r.usage.cacheRead, neutral: true },
  { id: 'cacheWrite', label: 'cache-write tokens', kind: 'tokens', help: 'input tokens written to the prompt cache (a subset of input tokens); more or fewer is neither better nor worse in itself', read: (r) => r.usage.cacheWrite, neutral: true },
  { id: 'reasoning', label: 'reasoning tokens', kind: 'tokens', help: 'output tokens spent on reasoning (a subset of output tokens)', read: (r) => r.usage.reasoning },
  { id: 'cost', label: 'cost', kind: 'usd', help: "USD of the priced calls, from the deployment's prices (cache reads and writes at their own rates)", read: (r) => r.costUsd },
  { id: 'ttft', label: 'time to first token', kind: 'duration', help: "median over the cell's calls of the time to the first content byte (s)", read: (r) => r.ttftMs ?? NaN },
  { id: 'overhead', label: 'proxy overhead', kind: 'duration', help: "the proxy's own time over the cell's calls, excluding waits on the upstream (s)", read: (r) => r.overheadMs },
] as const satisfies readonly MetricDef[];

export type MetricId = (typeof METRICS)[number]['id'];

export const DEFAULT_METRICS: readonly MetricId[] = ['wall', 'model', 'tool', 'harness', 'calls', 'input', 'output', 'cacheRead', 'cost'];

/** Metrics where lower is not better (MetricDef.neutral). */
export const NEUTRAL_METRICS: ReadonlySet<string> = new Set(METRICS.filter((m: MetricDef) => m.neutral).map((m) => m.id));

/** Metrics read from the wall-time decomposition (absent from older records). */
export const DECOMPOSITION_METRICS: ReadonlySet<string> = new Set(['tool', 'harness']);

const BY_ID = new Map<string, MetricDef>(METRICS.map((m) => [m.id, m]));

export function metricDef(id: string): MetricDef {
  const m = BY_ID.get(id);
  if (!m) {
    throw new ReportError(`unknown metric "${id}" (known: ${METRICS.map((x) => x.id).join(', ')})`, 'unknown_metric', { metric: id });
  }
  return m;
}

export function isMetricId(id: string): id is MetricId {
  return BY_ID.has(id);
}

/** Spelling-blind key: `cache-read`, `cache_read` and `cacheRead` are one metric. */
const looseKey = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const BY_LOOSE = new Map<string, MetricId>(METRICS.flatMap((m) => [[looseKey(m.id), m.id] as const, [looseKey(m.label), m.id] as const]));

/** The metric a user named by its id or its label, however they spelled the separators (`cache-read`, `cache-read tokens`). */
export function metricIdOf(name: string): MetricId | undefined {
  return isMetricId(name) ? name : BY_LOOSE.get(looseKey(name));
}
