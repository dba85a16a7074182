/**
 * report.csv: one row per cell (runner × condition × task): counts, success rate, and per
 * metric the cell's summary plus its comparison with the baseline (empty on baseline rows).
 */
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
