/**
 * `tool` spans from a transcript's tool calls. Where the transcript has both ends (OpenCode)
 * they are measured. Claude Code stamps only the result, so a call's start is inferred: the
 * end of the latest model call that finished before the result arrived (the agent runs a tool
 * once the response asking for it is complete). A call with no result (the cell was stopped
 * mid-tool) ends where the runner ended.
 */
import type { Span } from './span.ts';
import type { ToolCall } from './tool-calls.ts';

/** Tool time shorter than this is rounding noise between two clocks. */
const CLOCK_SLACK_MS = 5;

function inferredStart(endMs: number, models: readonly Span[]): number | null {
  let best: number | null = null;
  for (const m of models) {
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
    const end = c.endMs ?? o.runnerEndMs ?? null;
    let start = c.startMs;
    let timing: Span['timing'] = 'measured';
    if (start === null && end !== null) {
      start = inferredStart(end, modelCalls) ?? end;
      timing = 'inferred';
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
