/**
 * A run's overview: per runner and condition, the success rate first, then each metric's
 * verdict against the baseline (linking to the cells behind it), the per-task ratios, where the
 * time went (model, tools, harness), and the report's plots with the waterfall of each group's
 * slowest cell (fetched after the page shows: they take longer to draw).
 */
import type { Comparison, Headline } from '../../../report/model.ts';
import type { Table } from '../../../report/tables.ts';
import type { Plots } from '../../report-worker.ts';
import type { RunSummary } from '../../runs.ts';
import type { OverviewReport } from '../../store.ts';
import { Crumbs, Status, Verdict } from '../components.tsx';
import { fmtDate, fmtMetric, fmtPct, fmtRatio, fmtUsd } from '../format.ts';
import { useApi } from '../live.ts';
import { href } from '../route.ts';

interface Overview {
  run: RunSummary;
  report: OverviewReport | null;
}

/** The report's success comparison (Wilson intervals, Fisher exact p), linking to the cells of both arms and to the failures. */
function SuccessLine({ run, s }: { run: string; s: OverviewReport['success'][number] }) {
  const arms = [s.baseline, s.condition];
  return (
    <li class="success" data-metric="success">
      <b>success rate</b> <Verdict verdict={s.line.verdict} label={s.line.label} /> {s.line.summary} · {s.line.details.join(' · ')}{' '}
      <a class="cells-link" href={href.cells(run, { runner: s.runner, condition: arms, task: s.tasks.length === 1 ? s.tasks[0] : undefined })}>cells →</a>{' '}
      <a class="failed-link" href={href.cells(run, { runner: s.runner, condition: arms, outcome: ['fail', 'error', 'timeout'] })}>failed cells →</a>
    </li>
  );
}

function HeadlineLine({ run, h, label }: { run: string; h: Headline; label: string }) {
  return (
    <li data-metric={h.metric}>
      <b>{label}</b> <Verdict verdict={h.verdict} /> {fmtRatio(h.ratio)} [{fmtRatio(h.lo)}, {fmtRatio(h.hi)}] · p = {h.test.p.toFixed(3)}, Holm p = {h.pHolm.toFixed(3)} · {h.tasks.length} task(s), ≥{h.minArm} {h.paired ? 'pairs' : 'runs'} each
      {h.reason ? <span class="reason"> · {String(h.reason).replace(/-/g, ' ')}</span> : null}{' '}
      <a class="cells-link" href={href.cells(run, { runner: h.runner, condition: [h.baseline, h.condition] })}>cells →</a>
    </li>
  );
}

function TaskTable({ run, rows, info }: { run: string; rows: Comparison[]; info: OverviewReport['metricInfo'] }) {
  return (
    <table>
      <thead>
        <tr><th>task</th><th>metric</th><th class="r">baseline median</th><th class="r">median</th><th class="r">ratio [CI]</th><th class="r">n</th><th>verdict</th><th></th></tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={`${c.task}-${c.metric}`}>
            <td>{c.task}</td>
            <td>{info[c.metric]?.label ?? c.metric}</td>
            <td class="r">{fmtMetric(info[c.metric]?.kind, c.baseMedian)}</td>
            <td class="r">{fmtMetric(info[c.metric]?.kind, c.condMedian)}</td>
            <td class="r">{fmtRatio(c.ratio)} [{fmtRatio(c.lo)}, {fmtRatio(c.hi)}]</td>
            <td class="r">{c.nBase} / {c.nCond}</td>
            <td><Verdict verdict={c.verdict} /></td>
            <td><a href={href.cells(run, { runner: c.runner, task: c.task, condition: [c.baseline, c.condition] })}>cells</a></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A table of the report (src/report/tables.ts): text cells, bold where the report bolds. */
function ReportTable({ table, class: className }: { table: Table; class?: string }) {
  return (
    <table class={className}>
      <thead>
        <tr>{table.header.map((h, i) => <th key={i} class={table.align[i] === 'r' ? 'r' : undefined}>{h}</th>)}</tr>
      </thead>
      <tbody>
        {table.rows.map((row, i) => (
          <tr key={i}>{row.map((c, j) => <td key={j} class={table.align[j] === 'r' ? 'r' : undefined}>{c.bold ? <b>{c.text}</b> : c.text}{c.verdict ? <> <Verdict verdict={c.verdict} /></> : null}</td>)}</tr>
        ))}
      </tbody>
    </table>
  );
}

/** "Where the time went": the report's time split per runner and its sentence per condition. */
function TimeSplit({ split, runners }: { split: NonNullable<OverviewReport['timeSplit']>; runners: number }) {
  return (
    <section id="time-split">
      <h2>Where the time went</h2>
      {split.intro.map((p, i) => <p class="meta" key={i}>{p}</p>)}
      {split.runners.map((r) => (
        <div key={r.runner} data-runner={r.runner}>
          {runners > 1 ? <h3>runner {r.runner}</h3> : null}
          <ReportTable table={r.table} class="time-split" />
          {r.sentences.length ? <ul class="time-split">{r.sentences.map((t) => <li key={t}>{t}</li>)}</ul> : null}
        </div>
      ))}
    </section>
  );
}

/** The report's plots, then the waterfall of the slowest cell of each group (each linking to its cell). */
function Plots({ run }: { run: string }) {
  const state = useApi<Plots>(`/api/runs/${encodeURIComponent(run)}/plots`, run);
  return (
    <Status state={state}>
      {({ plots, waterfalls, waterfallsLeft }) => (
        <>
          <div class="plots">
            {plots.map((p) => (
              <figure key={p.id} id={`plot-${p.id}`}>
                <figcaption>{p.title}</figcaption>
                <div dangerouslySetInnerHTML={{ __html: p.svg }} />
              </figure>
            ))}
          </div>
          <h2 id="waterfalls">Slowest cell of each group</h2>
          {waterfalls.length === 0 ? (
            <p class="meta">No waterfalls: none of the groups' slowest cells has its cell directory (transcript, spend lines) at hand.</p>
          ) : (
            <>
              <p class="meta">
                Each group's slowest run on its own clock: the launcher's phases, then every model call (from the spend log) and tool call (from the transcript) in start order. Open a cell for its calls and transcript.
                {waterfallsLeft ? ` ${waterfallsLeft} faster groups not drawn (the ${waterfalls.length} slowest are).` : ''}
              </p>
              {waterfalls.map((w) => (
                <figure key={w.id} id={`plot-${w.id}`} class="waterfall" data-cell={w.cell}>
                  <figcaption>
                    {w.title} <a class="cell-link" href={href.cell(run, w.cell)}>open cell →</a>
                  </figcaption>
                  <div dangerouslySetInnerHTML={{ __html: w.svg }} />
                  <p class="meta">{w.note}</p>
                </figure>
              ))}
            </>
          )}
        </>
      )}
    </Status>
  );
}

export function RunPage({ run }: { run: string }) {
  const state = useApi<Overview>(`/api/runs/${encodeURIComponent(run)}`, run);
  return (
    <section>
      <Status state={state}>
        {({ run: s, report }) => (
          <>
            <Crumbs items={[['runs', href.runs()], [`${s.experiment} / ${s.runId}`, null]]} />
            <h1>{s.experiment} <small>{s.runId}</small></h1>
            {s.simulated ? <p class="banner sim">Simulated model: every call went to agentab's simulator, not a real provider. Latency, tokens and cost are the simulator's.</p> : null}
            <p class="meta">
              started {fmtDate(s.createdAt)} · {s.status ?? 'status unknown'} · {s.recorded}{s.planned !== null ? ` of ${s.planned}` : ''} cells recorded · pass rate {fmtPct(s.passRate)} · {fmtUsd(s.costUsd)} ·
              backend {s.backends.join(', ') || '–'} {s.models.length ? `(${s.models.join(', ')})` : ''} · runners {s.runners.map((r) => `${r.name} ${r.version ?? ''}`).join(', ')} · launcher {s.launcher ?? '–'}
            </p>
            <p><a class="button" href={href.cells(run)}>All {s.recorded} cells</a></p>
            {!report ? (
              <p>No records yet.</p>
            ) : (
              <>
                <h2>Verdicts</h2>
                {report.records.total < s.recorded ? <p class="banner" id="report-lag">Statistics of the first {report.records.total} of {s.recorded} records; they update every few seconds while the run goes on.</p> : null}
                <p class="meta">Against <code>{report.options.baseline}</code>, θ = {(report.options.threshold * 100).toFixed(0)}%, {(report.options.confidence * 100).toFixed(0)}% intervals; geometric mean of per-task median ratios.</p>
                {report.runners.map((runner) =>
                  report.conditions.slice(1).map((condition) => {
                    const heads = report.headlines.filter((h) => h.runner === runner && h.condition === condition);
                    const succ = report.success.find((s) => s.runner === runner && s.condition === condition);
                    const overall = report.overall.find((o) => o.runner === runner && o.condition === condition);
                    return (
                      <div class="verdict-block" key={`${runner}-${condition}`} data-runner={runner} data-condition={condition}>
                        <h3>{condition} vs {report.options.baseline} <small>runner {runner}</small></h3>
                        <ul class="verdicts">
                          {succ ? <SuccessLine run={run} s={succ} /> : <li class="success">success rate: no {report.options.baseline} runs of the same tasks to compare with</li>}
                          {overall?.overall ? (
                            <li class="overall" data-metric="overall">
                              <b>overall</b> <Verdict verdict={overall.overall} /> {overall.reason}{' '}
                              <a class="cells-link" href={href.cells(run, { runner, condition: [report.options.baseline, condition] })}>cells →</a>
                            </li>
                          ) : null}
                          {heads.map((h) => <HeadlineLine key={h.metric} run={run} h={h} label={report.metricInfo[h.metric]?.label ?? h.metric} />)}
                        </ul>
                        <details>
                          <summary>per task</summary>
                          <TaskTable run={run} info={report.metricInfo} rows={report.comparisons.filter((c) => c.runner === runner && c.condition === condition)} />
                        </details>
                      </div>
                    );
                  }),
                )}
                {report.notes.length ? (
                  <>
                    <h2>Notes</h2>
                    <ul>{report.notes.map((n) => <li key={n}>{n}</li>)}</ul>
                  </>
                ) : null}
                {report.timeSplit ? <TimeSplit split={report.timeSplit} runners={report.runners.length} /> : null}
                <h2>Plots</h2>
                <Plots run={run} />
              </>
            )}
          </>
        )}
      </Status>
    </section>
  );
}
