/**
 * One cell: outcome and metrics, a timeline of its phases and model calls, the calls from the
 * spend log, the transcript (tool calls collapsed, big payloads cut with their sizes), the
 * check's output, what the agent changed in the workspace, and its files. The top of the page
 * (metrics, timeline, calls) is drawn first; a long transcript's tail and the diff follow.
 */
import type { CallRow, CellDetail } from '../../store.ts';
import type { Payload, TranscriptEntry } from '../../transcript.ts';
import { Crumbs, Outcome, Status } from '../components.tsx';
import { fmtBytes, fmtInt, fmtMs, fmtUsd } from '../format.ts';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useApi } from '../live.ts';
import { href } from '../route.ts';

function Text({ p, file, run, cell }: { p: Payload | null | undefined; file?: string; run: string; cell: string }) {
  if (!p) return <p class="meta">(none)</p>;
  return (
    <>
      <pre>{p.text || '(empty)'}</pre>
      {p.cut ? (
        <p class="cut">
          cut: showing {fmtBytes(Buffer_byteLength(p.text))} of {fmtBytes(p.bytes)}
          {file ? <> · <a href={`/api/runs/${encodeURIComponent(run)}/cells/${encodeURIComponent(cell)}/files/${file}`} target="_blank">whole file</a></> : null}
        </p>
      ) : null}
    </>
  );
}

function Buffer_byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

function Entry({ e, run, cell }: { e: TranscriptEntry; run: string; cell: string }) {
  if (e.kind === 'tool') {
    return (
      <details class={`entry tool${e.isError ? ' is-error' : ''}`}>
        <summary>
          <b>{e.title}</b> {e.isError ? <span class="o o-fail">error</span> : null} {e.durationMs !== undefined ? fmtMs(e.durationMs) : ''}{' '}
          <span class="meta">input {fmtBytes(e.input?.bytes ?? 0)} · result {fmtBytes(e.output?.bytes ?? 0)}</span>
        </summary>
        <h4>input</h4>
        <Text p={e.input} run={run} cell={cell} file="transcript.jsonl" />
        <h4>result</h4>
        <Text p={e.output} run={run} cell={cell} file="transcript.jsonl" />
      </details>
    );
  }
  return (
    <div class={`entry ${e.kind}${e.isError ? ' is-error' : ''}`}>
      <span class="who">{e.title}</span>
      {e.text ? <Text p={e.text} run={run} cell={cell} file="transcript.jsonl" /> : null}
    </div>
  );
}

/** The cell's spans on one clock: phases in the first row, then each model and tool call in order. */
function Timeline({ d }: { d: CellDetail }) {
  const rows = d.spans.filter((s) => s.kind !== 'phase');
  const phases = d.spans.filter((s) => s.kind === 'phase');
  const wall = Math.max(d.record.wallMs, ...d.spans.map((s) => s.endMs), 1);
  const width = 900;
  const x = (ms: number): number => Math.max(0, Math.min(width, (ms / wall) * width));
  const rowH = 16;
  const top = phases.length ? rowH + 8 : 0;
  const height = top + rows.length * rowH + 24;
  return (
    <svg class="timeline" viewBox={`0 0 ${width + 180} ${height}`} width="100%" role="img" aria-label="cell timeline">
      {phases.map((p, i) => (
        <g key={`p${i}`}>
          <rect class={`phase phase-${p.name.replace(/\s+/g, '-')}`} x={180 + x(p.startMs)} y={2} width={Math.max(1, x(p.endMs) - x(p.startMs))} height={rowH - 4}>
            <title>{`${p.name}: ${fmtMs(p.endMs - p.startMs)}`}</title>
          </rect>
          {x(p.endMs) - x(p.startMs) > p.name.length * 7 + 6 ? <text x={180 + x(p.startMs) + 3} y={rowH - 5}>{p.name}</text> : null}
        </g>
      ))}
      {rows.map((s, i) => {
        const y = top + i * rowH;
        return (
          <g key={`s${i}`} class={`span span-${s.kind}`}>
            <text x={0} y={y + rowH - 4} class="call-label">{`${s.kind === 'model' ? 'model' : s.name}`.slice(0, 28)}</text>
            <rect class={`${s.kind === 'model' ? 'call' : 'tool'}${s.status === 'error' ? ' failed' : ''}${s.timing === 'inferred' ? ' inferred' : ''}`} x={180 + x(s.startMs)} y={y + 2} width={Math.max(1, x(s.endMs) - x(s.startMs))} height={rowH - 4}>
              <title>{`${s.kind} ${s.name}: ${fmtMs(s.endMs - s.startMs)}${s.timing === 'inferred' ? ' (start inferred)' : ''}${s.status === 'error' ? ', error' : ''}`}</title>
            </rect>
          </g>
        );
      })}
      <text x={180} y={height - 4} class="axis">0</text>
      <text x={180 + width} y={height - 4} class="axis" text-anchor="end">{fmtMs(wall)}</text>
    </svg>
  );
}

function Calls({ calls }: { calls: CallRow[] }) {
  if (calls.length === 0) return <p class="meta no-calls">No model calls in the spend log for this cell.</p>;
  return (
    <table class="calls">
      <thead>
        <tr><th>#</th><th class="r">start</th><th class="r">first token</th><th class="r">duration</th><th>status</th><th class="r">attempts</th><th>model</th><th class="r">input</th><th class="r">cache read</th><th class="r">cache write</th><th class="r">output</th><th class="r">cost</th><th class="r">proxy overhead</th></tr>
      </thead>
      <tbody>
        {calls.map((c, i) => (
          <tr key={c.id} class={c.status >= 400 ? 'failed' : ''}>
            <td>{i + 1}</td>
            <td class="r">{fmtMs(c.startMs)}</td>
            <td class="r">{fmtMs(c.ttftMs)}</td>
            <td class="r">{fmtMs(c.durationMs)}</td>
            <td>{c.status}{c.error ? ` ${c.error}` : ''}</td>
            <td class="r">{c.attempts}</td>
            <td>{c.alias} → {c.backend ?? '?'}/{c.model ?? '?'}{c.stream ? ' (stream)' : ''}</td>
            <td class="r">{fmtInt(c.usage.input)}</td>
            <td class="r">{fmtInt(c.usage.cacheRead)}</td>
            <td class="r">{fmtInt(c.usage.cacheWrite)}</td>
            <td class="r">{fmtInt(c.usage.output)}</td>
            <td class="r">{c.costUsd === null ? 'unpriced' : fmtUsd(c.costUsd)}</td>
            <td class="r">{fmtMs(c.overheadMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Diff({ p }: { p: Payload | null }) {
  if (!p) return <p class="meta">No workspace diff was recorded for this cell.</p>;
  if (!p.text) return <p class="meta">The workspace is unchanged.</p>;
  return (
    <pre class="diff">
      {p.text.split('\n').map((line, i) => (
        <span key={i} class={line.startsWith('+++') || line.startsWith('---') ? 'd-file' : line.startsWith('+') ? 'd-add' : line.startsWith('-') ? 'd-del' : line.startsWith('@@') ? 'd-hunk' : ''}>{line + '\n'}</span>
      ))}
      {p.cut ? <span class="cut">… cut ({fmtBytes(p.bytes)} in all)</span> : null}
    </pre>
  );
}

/** Transcript entries drawn with the page's first frame; the rest (and the diff) a moment later. */
const FIRST_ENTRIES = 30;

/** False for the first render after `ready`, true from the next task on: the rest of a big page comes after its top is on screen. */
function useLater(ready: boolean): boolean {
  const [later, setLater] = useState(false);
  useEffect(() => {
    if (!ready || later) return;
    const next = setTimeout(() => setLater(true), 0);
    return () => clearTimeout(next);
  }, [ready, later]);
  return later;
}

export function CellPage({ run, cell }: { run: string; cell: string }) {
  const state = useApi<CellDetail>(api.cell(run, cell), run);
  const later = useLater(state.data !== null);
  return (
    <section>
      <Status state={state}>
        {(d) => {
          const r = d.record;
          const reported = r.runnerReported as { error?: string | null; failedPhase?: string | null; turns?: number; toolCalls?: number; result?: string };
          return (
            <>
              <Crumbs items={[['runs', href.runs()], [run, href.run(run)], ['cells', href.cells(run, { runner: r.runner, condition: r.condition, task: r.task })], [cell, null]]} />
              <h1>
                <code>{cell}</code> <Outcome outcome={r.outcome} />
              </h1>
              <p class="meta">
                {r.runner} {r.runnerVersion ?? ''} · condition <b>{r.condition}</b> · task <b>{r.task}</b> · rep {r.rep} · started {r.startedAt} on {r.host} ({r.launcher})
              </p>
              {reported.error ? <p class="error">error{reported.failedPhase ? ` in ${reported.failedPhase}` : ''}: {reported.error}</p> : null}
              <dl class="metrics">
                <div><dt>wall</dt><dd>{fmtMs(r.wallMs)}</dd></div>
                <div><dt>model time</dt><dd>{fmtMs(r.modelMs)}</dd></div>
                <div><dt>calls</dt><dd>{r.calls}</dd></div>
                <div><dt>median first token</dt><dd>{fmtMs(r.ttftMs)}</dd></div>
                <div><dt>input tokens</dt><dd>{fmtInt(r.usage.input)}</dd></div>
                <div><dt>cache read</dt><dd>{fmtInt(r.usage.cacheRead)}</dd></div>
                <div><dt>output tokens</dt><dd>{fmtInt(r.usage.output)}</dd></div>
                <div><dt>cost</dt><dd>{fmtUsd(r.costUsd)}</dd></div>
                <div><dt>proxy overhead</dt><dd>{fmtMs(r.overheadMs)}</dd></div>
                {reported.turns !== undefined ? <div><dt>turns</dt><dd>{reported.turns}</dd></div> : null}
                {reported.toolCalls !== undefined ? <div><dt>tool calls</dt><dd>{reported.toolCalls}</dd></div> : null}
              </dl>
              <h2>Timeline</h2>
              {d.decompositionText ? <p class="meta" id="decomposition">{d.decompositionText}</p> : null}
              <Timeline d={d} />
              <p>
                <a class="button" id="bundle-link" href={`/api/runs/${encodeURIComponent(run)}/cells/${encodeURIComponent(cell)}/bundle`}>Download debug bundle (.tar.gz)</a>{' '}
                <span class="meta">summary, profile, transcript excerpt, touched files, spend lines, trace and logs, secrets redacted</span>
              </p>
              <h2 id="calls">Model calls <small>{d.calls.length}</small></h2>
              <Calls calls={d.calls} />
              <h2 id="transcript">Transcript <small>{d.transcript.length} entries</small></h2>
              <div class="transcript">
                {d.transcript.length ? (later ? d.transcript : d.transcript.slice(0, FIRST_ENTRIES)).map((e, i) => <Entry key={i} e={e} run={run} cell={cell} />) : <p class="meta">No transcript.</p>}
                {!later && d.transcript.length > FIRST_ENTRIES ? <p class="loading">{d.transcript.length - FIRST_ENTRIES} more entries…</p> : null}
              </div>
              <h2 id="check">Check output</h2>
              <Text p={d.logs.check} run={run} cell={cell} file="check.log" />
              <h2 id="diff">Workspace changes</h2>
              {later ? <Diff p={d.diff} /> : <p class="loading">…</p>}
              {d.logs.stderr?.text ? (
                <details>
                  <summary>runner stderr ({fmtBytes(d.logs.stderr.bytes)})</summary>
                  <Text p={d.logs.stderr} run={run} cell={cell} file="stderr.log" />
                </details>
              ) : null}
              {d.logs.setup?.text ? (
                <details>
                  <summary>setup log ({fmtBytes(d.logs.setup.bytes)})</summary>
                  <Text p={d.logs.setup} run={run} cell={cell} file="setup.log" />
                </details>
              ) : null}
              <h2>Files</h2>
              <ul class="files">
                {d.files.map((f) => (
                  <li key={f.name}><a href={`/api/runs/${encodeURIComponent(run)}/cells/${encodeURIComponent(cell)}/files/${f.name}`} target="_blank">{f.name}</a> <span class="meta">{fmtBytes(f.bytes)}</span></li>
                ))}
              </ul>
            </>
          );
        }}
      </Status>
    </section>
  );
}
