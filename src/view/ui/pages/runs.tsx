/** The run list: one row a run, pick two to compare. */
import { useState } from 'preact/hooks';
import type { RunSummary } from '../../runs.ts';
import { Status } from '../components.tsx';
import { fmtDate, fmtPct, fmtUsd } from '../format.ts';
import { useApi } from '../live.ts';
import { href } from '../route.ts';

export function RunsPage() {
  const state = useApi<{ runs: RunSummary[] }>('/api/runs', '*');
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (key: string): void => setPicked((p) => (p.includes(key) ? p.filter((k) => k !== key) : [...p.slice(-1), key]));
  return (
    <section>
      <h1>Runs</h1>
      <Status state={state}>
        {({ runs }) =>
          runs.length === 0 ? (
            <p>No runs found. Run <code>agentab run-matrix</code>, then open this page again.</p>
          ) : (
            <>
              <p class="meta">
                {runs.length} run(s). Tick two runs to compare them{' '}
                {picked.length === 2 ? (
                  <a class="button" id="compare-link" href={href.compare(picked[0] as string, picked[1] as string)}>
                    Compare {picked[0]} with {picked[1]}
                  </a>
                ) : null}
              </p>
              <table class="runs">
                <thead>
                  <tr>
                    <th></th><th>experiment</th><th>run</th><th>started</th><th>status</th><th class="r">cells</th><th class="r">pass rate</th><th class="r">cost</th><th>backend / model</th><th>runners</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => (
                    <tr key={r.key} data-run={r.key}>
                      <td><input type="checkbox" aria-label={`pick ${r.key}`} checked={picked.includes(r.key)} onChange={() => toggle(r.key)} /></td>
                      <td>{r.experiment}</td>
                      <td><a href={href.run(r.key)}>{r.runId}</a></td>
                      <td>{fmtDate(r.createdAt)}</td>
                      <td>{r.status ?? '–'}</td>
                      <td class="r">{r.recorded}{r.planned !== null ? ` / ${r.planned}` : ''}</td>
                      <td class="r">{fmtPct(r.passRate)}</td>
                      <td class="r">{fmtUsd(r.costUsd)}</td>
                      <td>{r.backends.join(', ') || '–'}{r.models.length ? ` / ${r.models.join(', ')}` : ''}{r.simulated ? <span class="badge sim">simulated</span> : null}</td>
                      <td>{r.runners.map((x) => `${x.name}${x.version ? ` ${x.version}` : ''}`).join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </Status>
    </section>
  );
}
