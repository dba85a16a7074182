/**
 * report.csv: one row per cell (runner × condition × task): counts, success rate, and per
 * metric the cell's summary plus its comparison with the baseline (empty on baseline rows).
 */
import type { RunRecord } from '../experiment/run-record.ts';
import type { MetricId } from './metrics.ts';
import type { Report } from './model.ts';
import { viewOf } from './view.ts';

function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const METRIC_COLUMNS = ['n', 'median', 'median_lo', 'median_hi', 'mean', 'p95', 'min', 'max', 'outliers', 'ratio', 'ratio_lo', 'ratio_hi', 'p', 'q', 'test', 'verdict'] as const;

export function renderCsv(r: Report): string {
  const v = viewOf(r);
  const header = [
    'runner', 'condition', 'task', 'runs', 'used', 'pass', 'fail', 'error', 'timeout', 'canceled', 'infra', 'success', 'success_lo', 'success_hi',
    ...r.options.metrics.flatMap((m) => METRIC_COLUMNS.map((c) => `${m}_${c}`)),
  ];
  const rows = r.cells.map((c) => {
    const base = [
      c.runner, c.condition, c.task, c.runs, c.used.runId.length,
      c.outcomes.pass, c.outcomes.fail, c.outcomes.error, c.outcomes.timeout, c.outcomes.canceled, c.outcomes.infra,
      c.success?.rate, c.success?.lo, c.success?.hi,
    ];
    const perMetric = r.options.metrics.flatMap((m: MetricId) => {
      const s = c.metrics[m];
      const k = v.comparison(c.runner, c.condition, c.task, m);
      const test = k ? `${k.test.name}/${k.test.method}` : null;
      return [s?.n, s?.median, s?.medianCi.lo, s?.medianCi.hi, s?.mean, s?.p95, s?.min, s?.max, s?.outliers.length, k?.ratio, k?.lo, k?.hi, k?.test.p, k?.q, test, k?.verdict];
    });
    return [...base, ...perMetric].map(field).join(',');
  });
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}

/**
 * runs.csv: the tidy per-run table, one row per record the report pooled (the latest attempt of
 * each cell; `used` says whether its outcome counts in the statistics), units in the column
 * names, for R / pandas.
 */
const RUN_COLUMNS: readonly [string, (r: RunRecord) => string | number | boolean | null | undefined][] = [
  ['run_id', (r) => r.runId],
  ['cell', (r) => r.cell],
  ['runner', (r) => r.runner],
  ['runner_version', (r) => r.runnerVersion],
  ['condition', (r) => r.condition],
  ['task', (r) => r.task],
  ['rep', (r) => r.rep],
  ['attempt', (r) => r.attempt ?? 1],
  ['block', (r) => r.block],
  ['order', (r) => r.order],
  ['outcome', (r) => r.outcome],
  ['used', (r) => r.outcome !== 'infra' && r.outcome !== 'canceled'],
  ['exit_code', (r) => r.exitCode],
  ['launcher', (r) => r.launcher],
  ['host', (r) => r.host],
  ['started_at_utc', (r) => r.startedAt],
  ['wall_s', (r) => r.wallMs / 1000],
  ['model_s', (r) => r.modelMs / 1000],
  ['tool_s', (r) => (r.decomposition ? r.decomposition.toolMs / 1000 : null)],
  ['harness_s', (r) => (r.decomposition ? r.decomposition.harnessMs / 1000 : null)],
  ['ttft_s', (r) => (r.ttftMs === null ? null : r.ttftMs / 1000)],
  ['proxy_overhead_ms', (r) => r.overheadMs],
  ['calls', (r) => r.calls],
  ['input_tokens', (r) => r.usage.input],
  ['output_tokens', (r) => r.usage.output],
  ['cache_read_tokens', (r) => r.usage.cacheRead],
  ['cache_write_tokens', (r) => r.usage.cacheWrite],
  ['reasoning_tokens', (r) => r.usage.reasoning],
  ['cost_usd', (r) => r.costUsd],
  ['upstreams', (r) => r.env.upstreams?.join(' ')],
  ['error', (r) => (typeof r.runnerReported['error'] === 'string' ? (r.runnerReported['error'] as string) : null)],
];

export function renderRunsCsv(records: readonly RunRecord[]): string {
  const cell = (v: string | number | boolean | null | undefined): string => field(typeof v === 'boolean' ? (v ? 'true' : 'false') : v);
  const rows = records.map((r) => RUN_COLUMNS.map(([, read]) => cell(read(r))).join(','));
  return [RUN_COLUMNS.map(([name]) => name).join(','), ...rows].join('\r\n') + '\r\n';
}
