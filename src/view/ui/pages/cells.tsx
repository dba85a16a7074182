/** The cells of a run, filtered by runner, condition, task, outcome and free text (kept in the URL). */
import { useState } from 'preact/hooks';
import type { CellRow } from '../../store.ts';
import { Crumbs, Outcome, Status } from '../components.tsx';
import { fmtInt, fmtMs, fmtUsd } from '../format.ts';
import { api, prefetchJson } from '../api.ts';
import { useApi } from '../live.ts';
import { href } from '../route.ts';

interface CellsResponse {
  total: number;
  matched: number;
  rows: CellRow[];
  facets: Record<string, string[]>;
}

const FACETS = ['runner', 'condition', 'task', 'outcome'] as const;
const PAGE = 200;

export function CellsPage({ run, params }: { run: string; params: URLSearchParams }) {
  const [limit, setLimit] = useState(PAGE);
  const query = new URLSearchParams(params);
  query.set('limit', String(limit));
  const state = useApi<CellsResponse>(`/api/runs/${encodeURIComponent(run)}/cells?${query.toString()}`, run);
  const selected = (name: string): string[] => (params.get(name) ?? '').split(',').filter(Boolean);
  const go = (name: string, values: string[]): void => {
    const next: Record<string, string[]> = {};
    for (const f of [...FACETS, 'q']) next[f] = f === name ? values : selected(f);
    location.hash = href.cells(run, next);
  };
  return (
    <section>
      <Crumbs items={[['runs', href.runs()], [run, href.run(run)], ['cells', null]]} />
      <h1>Cells</h1>
      <Status state={state}>
        {(data) => (
          <>
            <form class="filters" onSubmit={(e) => e.preventDefault()}>
              {FACETS.map((f) => (
                <label key={f}>
                  {f}{' '}
                  <select
                    name={f}
                    multiple={(data.facets[f]?.length ?? 0) > 4}
                    onChange={(e) => go(f, Array.from((e.currentTarget as HTMLSelectElement).selectedOptions).map((o) => o.value).filter(Boolean))}
                  >
                    <option value="" selected={selected(f).length === 0}>all</option>
                    {(data.facets[f] ?? []).map((v) => (
                      <option key={v} value={v} selected={selected(f).includes(v)}>{v}</option>
                    ))}
                  </select>
                </label>
              ))}
              <label>
                text{' '}
                <input name="q" type="search" placeholder="cell id, task, error…" value={params.get('q') ?? ''} onChange={(e) => go('q', [(e.currentTarget as HTMLInputElement).value])} />
              </label>
              <a href={href.cells(run)}>clear</a>
            </form>
            <p class="meta" id="cell-count">{data.matched} of {data.total} cells</p>
            <table class="cells">
              <thead>
                <tr><th>cell</th><th>runner</th><th>condition</th><th>task</th><th class="r">rep</th><th>outcome</th><th class="r">wall</th><th class="r">calls</th><th class="r">input tok</th><th class="r">output tok</th><th class="r">cost</th><th>error</th></tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.cell} data-cell={r.cell}>
                    <td><a href={href.cell(run, r.cell)} onPointerEnter={() => prefetchJson(api.cell(run, r.cell))}><code>{r.cell}</code></a></td>
                    <td>{r.runner}</td>
                    <td>{r.condition}</td>
                    <td>{r.task}</td>
                    <td class="r">{r.rep}</td>
                    <td><Outcome outcome={r.outcome} /></td>
                    <td class="r">{fmtMs(r.wallMs)}</td>
                    <td class="r">{r.calls}</td>
                    <td class="r">{fmtInt(r.inputTokens)}</td>
                    <td class="r">{fmtInt(r.outputTokens)}</td>
                    <td class="r">{fmtUsd(r.costUsd)}</td>
                    <td class="err">{r.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.matched > data.rows.length ? <button onClick={() => setLimit(limit + PAGE)}>Show {Math.min(PAGE, data.matched - data.rows.length)} more</button> : null}
          </>
        )}
      </Status>
    </section>
  );
}
