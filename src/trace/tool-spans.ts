/**
 * `tool` spans from a transcript's tool calls. Where the transcript has both ends (OpenCode)
 * they are measured. Claude Code stamps only the result, so a call's start is inferred: the
 * end of the latest model call that finished before the result arrived (the agent runs a tool
 * once the response asking for it is complete). A call with no result (the cell was stopped
 * mid-tool) ends at the next model call after its start (the agent moved on without printing
 * the result, as Claude Code does when it is interrupted), else where the runner ended.
 */
import type { Span } from './span.ts';
import type { ToolCall } from './tool-calls.ts';

/** Tool time shorter than this is rounding noise between two clocks. */
const CLOCK_SLACK_MS = 5;

/** The end of the latest model call that ended by `endMs` (only calls that asked for tools, if `askedForTools`). */
function inferredStart(endMs: number, models: readonly Span[], askedForTools = false): number | null {
  let best: number | null = null;
  for (const m of models) {
    if (askedForTools && m.attrs.finish !== 'tool_use') continue;
    if (m.endMs <= endMs + CLOCK_SLACK_MS && (best === null || m.endMs > best)) best = m.endMs;
  }
  return best === null ? null : Math.min(best, endMs);
}

export interface ToolSpanOptions {
  /** Where the runner's process ended (epoch ms): the end of a call that never finished. */
  runnerEndMs?: number;
}

export function toolSpans(cell: string, calls: readonly ToolCall[], models: readonly Span[], o: ToolSpanOptions = {}): Span[] {
  const modelCalls = models.filter((m) => m.kind === 'model');
  const out: Span[] = [];
  for (const c of calls) {
    const unfinished = c.endMs === null;
    let end = c.endMs ?? o.runnerEndMs ?? null;
    let start = c.startMs;
    let timing: Span['timing'] = 'measured';
    if (start === null && end !== null) {
      // a call with no result was asked for by the last response that asked for tools
      start = (unfinished ? inferredStart(end, modelCalls, true) : null) ?? inferredStart(end, modelCalls) ?? end;
      timing = 'inferred';
    }
    if (unfinished && start !== null && end !== null) {
      const from = start;
      const next = modelCalls.filter((m) => m.startMs >= from).reduce<number | null>((a, m) => (a === null || m.startMs < a ? m.startMs : a), null);
      if (next !== null) end = Math.min(end, next);
    }
    if (unfinished) timing = 'inferred';
    if (start === null || end === null) continue; // nothing places it in time
    out.push({
      id: `tool-${c.id}`,
      cell,
      kind: 'tool',
      name: c.name,
      startMs: start,
      endMs: Math.max(start, end),
      ...(c.parentToolId ? { parent: `tool-${c.parentToolId}` } : {}),
      status: c.isError || unfinished ? 'error' : 'ok',
      timing,
      attrs: {
        toolId: c.id,
        tool: c.name,
        unfinished,
        outputBytes: c.output === null ? null : Buffer.byteLength(c.output),
      },
    });
  }
  return out;
}
