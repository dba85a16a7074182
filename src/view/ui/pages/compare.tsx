/** Two runs side by side, condition by condition: each run's verdicts and medians, and run B over run A. */
import type { CompareRow, MetricInfo } from '../../store.ts';
import type { RunSummary } from '../../runs.ts';
import { Crumbs, Status, Verdict } from '../components.tsx';
import { fmtMetric, fmtRatio } from '../format.ts';
import { useApi } from '../live.ts';
import { href } from '../route.ts';

interface CompareResponse {
  a: RunSummary;
  b: RunSummary;
  rows: CompareRow[];
  notes: string[];
  metricInfo: Record<string, MetricInfo>;
}

export function ComparePage({ a, b }: { a: string; b: string }) {
  const state = useApi<CompareResponse>(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`, '*');
  return (
    <section>
      <Status state={state}>
        {(d) => (
          <>
            <Crumbs items={[['runs', href.runs()], [`compare ${a} with ${b}`, null]]} />
            <h1>Compare runs</h1>
            <p class="meta">
              A = <a href={href.run(a)}>{d.a.experiment} / {d.a.runId}</a> ({d.a.recorded} cells) · B = <a href={href.run(b)}>{d.b.experiment} / {d.b.runId}</a> ({d.b.recorded} cells)
            </p>
            {d.notes.map((n) => <p class="banner" key={n}>{n}</p>)}
            <table class="compare">
              <thead>
                <tr><th>runner</th><th>condition</th><th>metric</th><th class="r">median A</th><th class="r">median B</th><th class="r">B / A</th><th>A vs baseline</th><th>B vs baseline</th></tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={`${r.runner}-${r.condition}-${r.metric}`}>
                    <td>{r.runner}</td>
                    <td>{r.condition}</td>
                    <td>{d.metricInfo[r.metric]?.label ?? r.metric}</td>
                    <td class="r">{fmtMetric(d.metricInfo[r.metric]?.kind, r.medianA)}</td>
                    <td class="r">{fmtMetric(d.metricInfo[r.metric]?.kind, r.medianB)}</td>
                    <td class="r">{fmtRatio(r.bOverA)}</td>
                    <td>{r.a ? <a class="cells-link" href={href.cells(a, { runner: r.runner, condition: [r.a.baseline, r.condition] })}>{fmtRatio(r.a.ratio)} <Verdict verdict={r.a.verdict} /></a> : '–'}</td>
                    <td>{r.b ? <a class="cells-link" href={href.cells(b, { runner: r.runner, condition: [r.b.baseline, r.condition] })}>{fmtRatio(r.b.ratio)} <Verdict verdict={r.b.verdict} /></a> : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Status>
    </section>
  );
}
