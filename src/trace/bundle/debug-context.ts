/**
 * debug_context.md: the bundle's account for a person or a coding agent asked "why was this
 * cell slow, or why did it fail?": how it ended and why, where its time went, how it compares
 * with its peers, its slowest spans, model and tool calls, the files it touched, and what to
 * look at next. Built from facts only; every number is in the bundle's JSON files too.
 */
import type { CellTimeline } from '../cell-spans.ts';
import { cellLabel } from '../phase-spans.ts';
import type { Span } from '../span.ts';
import { pct, seconds } from '../summary.ts';
import { cutString } from './excerpt.ts';
import type { CellSummary, ProfileSummary } from './profile.ts';
import type { TouchedFiles } from './touched-files.ts';

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '_none_\n';
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)].join('\n') + '\n';
}

function outcomeText(s: CellSummary, t: CellTimeline): string {
  const longest = longestCall(t);
  const during = longest
    ? ` Its longest call was ${longest.kind} \`${longest.name}\` (${seconds(longest.endMs - longest.startMs)}${longest.attrs.unfinished === true ? ', never finished' : longest.status === 'error' ? ', ended in an error' : ''}).`
    : ' No model or tool call was made.';
  switch (s.outcome) {
    case 'pass':
      return 'The agent finished and the task\'s check passed.';
    case 'fail':
      return `The agent finished (exit ${s.exitCode}) but the task's check failed (exit ${String(s.checkExitCode)}): see check.log.`;
    case 'error':
      return `The agent itself failed (exit ${String(s.exitCode)}${s.signal ? `, signal ${String(s.signal)}` : ''})${s.error ? `: ${String(s.error)}` : ''}. See stderr.log and the end of transcript_excerpt.jsonl.`;
    case 'timeout':
      return `The cell hit its timeout in the ${String(s.failedPhase ?? 'runner')} phase after ${seconds(s.metrics.wallMs)}.${during}`;
    case 'canceled':
      return `The cell was canceled (Ctrl-C or budget) in the ${String(s.failedPhase ?? 'runner')} phase.${during}`;
    case 'infra':
      return `agentab could not run the cell (${String(s.failedPhase ?? 'unknown phase')}): ${String(s.error ?? 'no message')}. This is not a result of the condition; it is kept out of the statistics.`;
  }
}

/** The longest model or tool call (what a timed-out or canceled cell was mostly waiting on). */
function longestCall(t: CellTimeline): Span | undefined {
  return t.spans.filter((s) => s.kind === 'tool' || s.kind === 'model').sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))[0];
}

function hints(t: CellTimeline, s: CellSummary, p: ProfileSummary): string[] {
  const d = t.decomposition;
  const out: string[] = [];
  if (d.startupMs !== null && d.startupMs > 0.3 * d.wallMs) out.push(`The runner spent ${seconds(d.startupMs)} (${pct(d.startupMs / d.wallMs)}) between its start and its first model call: CLI start-up, CPU contention from other cells, or a slow first network round trip (compare with its peers' start-up).`);
  if (d.startupMs === null && d.modelCalls === 0 && s.outcome !== 'pass') out.push('No model call reached the proxy: look at stderr.log for why the runner did not get that far (wrong base URL, auth, a crash at start).');
  const [topTool] = Object.entries(p.tools);
  if (topTool && d.shares.tool > 0.25) out.push(`Tools took ${pct(d.shares.tool)} of the wall time; \`${topTool[0]}\` alone ${seconds(topTool[1].totalMs)} over ${topTool[1].calls} call(s).`);
  if (d.shares.model > 0.5) {
    const slow = t.spans.filter((x) => x.kind === 'model').sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))[0];
    if (slow) out.push(`The model took ${pct(d.shares.model)} of the wall time; the slowest call was ${slow.name} (${seconds(slow.endMs - slow.startMs)}, time to first token ${slow.attrs.ttftMs === null ? 'n/a' : seconds(Number(slow.attrs.ttftMs))}, ${String(slow.attrs.inputTokens)} input tokens).`);
  }
  if (p.modelCalls.failed > 0 || p.modelCalls.retries > 0) out.push(`${p.modelCalls.failed} model call(s) failed and ${p.modelCalls.retries} retr${p.modelCalls.retries === 1 ? 'y was' : 'ies were'} made: see spend.jsonl (status, error, attempts).`);
  if (d.harnessMs > 0.5 * d.wallMs && (d.startupMs ?? 0) < 0.3 * d.wallMs) out.push(`The agent's own work between calls (harness) took ${pct(d.shares.harness)}: processing responses, writing context, hooks; compare with its peers to see whether the condition changed it.`);
  if (!d.withinTolerance) out.push(`The timeline does not tile: ${seconds(d.unattributedMs + d.outsideMs)} are not explained by any phase or call (tolerance ${seconds(d.toleranceMs)}); clocks may disagree (container or VM) or a phase was not timed.`);
  const peer = s.peers.find((g) => g.condition === s.condition);
  if (peer && peer.cells > 1 && s.metrics.wallMs > 1.5 * peer.medianWallMs) out.push(`This cell took ${(s.metrics.wallMs / peer.medianWallMs).toFixed(1)}× the median wall time of its group (${seconds(peer.medianWallMs)} over ${peer.cells} cells): an outlier worth comparing with a typical cell of the group.`);
  if (out.length === 0) out.push('Nothing stands out: the parts above are in line with each other.');
  return out;
}

export interface DebugContextInput {
  timeline: CellTimeline;
  summary: CellSummary;
  profile: ProfileSummary;
  touched: TouchedFiles;
  files: string[];
}

export function debugContext(i: DebugContextInput): string {
  const { timeline: t, summary: s, profile: p, touched } = i;
  const d = t.decomposition;
  const t0 = Date.parse(t.record.startedAt);
  const at = (ms: number) => `+${seconds(ms - t0)}`;
  const lines: string[] = [];
  lines.push(`# Cell ${s.cell}: ${cellLabel(t.record)} — ${s.outcome}`, '');
  lines.push(`Experiment \`${s.experiment}\`, run \`${s.runId}\`, ${s.launcher} launcher on ${s.host}, started ${s.startedAt}. Runner ${s.runner} ${s.runnerVersion ?? ''}. Wall time ${seconds(s.metrics.wallMs)}, ${s.metrics.calls} model calls, ${String(s.metrics.toolCalls ?? 0)} tool calls, ${s.metrics.usage.input.toLocaleString('en-US')} input / ${s.metrics.usage.output.toLocaleString('en-US')} output tokens, $${s.metrics.costUsd.toFixed(4)}.`, '');
  lines.push('## How it ended', '', outcomeText(s, t), '');
  lines.push('## Where the time went', '');
  lines.push(
    table(
      ['part', 'time', 'share', 'what it is'],
      [
        ['model', seconds(d.modelMs), pct(d.shares.model), 'a model call was in flight (the agent waited on the model)'],
        ['tool', seconds(d.toolMs), pct(d.shares.tool), `a tool ran (${d.toolTiming === 'inferred' ? 'start inferred from the model call before it' : d.toolTiming})`],
        ['harness', seconds(d.harnessMs), pct(d.shares.harness), `the agent CLI's own time${d.startupMs !== null ? `, of which start-up ${seconds(d.startupMs)}` : ''}`],
        ['orchestration', seconds(d.orchestrationMs), pct(d.shares.orchestration), "agentab's phases: workspace, setup, check"],
        ['unattributed', seconds(d.unattributedMs), pct(d.shares.unattributed), `no clock covers it (tolerance ${seconds(d.toleranceMs)}; ${d.withinTolerance ? 'within' : 'NOT within'})`],
      ],
    ),
  );
  if (s.peers.length) {
    lines.push('## Compared with its peers (same runner and task in this run)', '');
    lines.push(table(['condition', 'cells', 'passed', 'median wall', 'median model', 'median tool', 'median harness'], s.peers.map((g) => [g.condition + (g.condition === s.condition ? ' (this cell\'s)' : ''), String(g.cells), String(g.passed), seconds(g.medianWallMs), g.medianModelMs === null ? '–' : seconds(g.medianModelMs), g.medianToolMs === null ? '–' : seconds(g.medianToolMs), g.medianHarnessMs === null ? '–' : seconds(g.medianHarnessMs)])));
  }
  lines.push('## What to look at', '', ...hints(t, s, p).map((h) => `- ${h}`), '');
  lines.push('## Slowest spans', '');
  lines.push(table(['span', 'kind', 'at', 'duration', 'status'], p.slowestSpans.map((x) => [x.name, x.kind, `+${seconds(x.atMs)}`, seconds(x.durationMs), `${x.status}${x.timing === 'inferred' ? ' (inferred)' : ''}`])));
  lines.push('## Model calls', '');
  lines.push(table(['call', 'at', 'duration', 'first token', 'input', 'output', 'status', 'attempts', 'finish'], t.spans.filter((x) => x.kind === 'model').map((m) => [m.name, at(m.startMs), seconds(m.endMs - m.startMs), m.attrs.ttftMs === null ? '–' : seconds(Number(m.attrs.ttftMs)), String(m.attrs.inputTokens), String(m.attrs.outputTokens), m.attrs.error ? `${String(m.attrs.status)} ${String(m.attrs.error)}` : String(m.attrs.status), String(m.attrs.attempts), String(m.attrs.finish ?? '–')])));
  lines.push('## Tool calls', '');
  const toolSpans = new Map(t.spans.filter((x) => x.kind === 'tool').map((x) => [x.attrs.toolId, x]));
  lines.push(table(['tool', 'at', 'duration', 'status', 'output', 'input'], t.toolCalls.map((c) => {
    const span = toolSpans.get(c.id);
    return [c.name, span ? at(span.startMs) : '–', span ? seconds(span.endMs - span.startMs) : '–', c.endMs === null ? 'unfinished' : c.isError ? 'error' : 'ok', c.output === null ? '–' : `${Buffer.byteLength(c.output).toLocaleString('en-US')} bytes`, cutString(JSON.stringify(c.input), 160)];
  })));
  lines.push('## Files the agent touched', '');
  lines.push(table(['file', 'actions', 'calls'], touched.files.map((f) => [f.path, f.actions.join(', '), String(f.calls)])));
  if (touched.commands.length) lines.push('Shell commands it ran (which may have touched more files):', '', ...touched.commands.map((c) => `- \`${c.replace(/`/g, "'")}\``), '');
  lines.push('## In this bundle', '', ...i.files.map((f) => `- ${f}`), '');
  lines.push('Open trace.json in https://ui.perfetto.dev or chrome://tracing for the timeline. Long strings in transcript_excerpt.jsonl are cut (their sizes noted); secrets are redacted everywhere.', '');
  return lines.join('\n');
}
