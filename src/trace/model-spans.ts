/**
 * Spans of the proxy's calls from a cell's spend lines: one `model` span per model call (or a
 * `request` span for token counting and model listing), with the proxy's own phases of the
 * call as `proxy` child spans when the line has them.
 */
import { isModelCall } from '../proxy/spend/record.ts';
import { PROXY_PHASES } from '../proxy/call-phases.ts';
import type { SpendRecord } from '../proxy/spend/record.ts';
import type { Span } from './span.ts';

/** Spans of one cell's spend lines (lines of other cells are ignored), in start order. */
export function modelSpans(cell: string, spend: readonly SpendRecord[]): Span[] {
  const mine = spend.filter((r) => r.cell === cell).sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const out: Span[] = [];
  let callNo = 0;
  for (const r of mine) {
    const model = isModelCall(r);
    const start = Date.parse(r.ts);
    const id = `${model ? 'call' : 'req'}-${r.id}`;
    out.push({
      id,
      cell,
      kind: model ? 'model' : 'request',
      name: model ? `call ${++callNo} ${r.alias}` : `${r.endpoint} ${r.alias}`.trim(),
      startMs: start,
      endMs: start + r.durationMs,
      status: r.status >= 400 || r.error || r.finish === 'error' ? 'error' : 'ok',
      timing: 'measured',
      attrs: {
        requestId: r.id,
        endpoint: r.endpoint,
        alias: r.alias,
        deployment: r.deployment,
        upstreamModel: r.upstreamModel,
        stream: r.stream,
        status: r.status,
        error: r.error ? `${r.error.code}: ${r.error.message}` : null,
        attempts: r.attempts,
        retries: Math.max(0, r.attempts - 1),
        ttftMs: r.ttftMs,
        durationMs: r.durationMs,
        overheadMs: r.overheadMs,
        inputTokens: r.usage.input,
        outputTokens: r.usage.output,
        cacheReadTokens: r.usage.cacheRead,
        cacheWriteTokens: r.usage.cacheWrite,
        costUsd: r.costUsd,
        finish: r.finish,
        toolCalls: r.toolCalls,
      },
    });
    if (!r.phases) continue;
    let at = start;
    for (const phase of PROXY_PHASES) {
      const ms = r.phases[phase];
      out.push({ id: `${id}/${phase}`, cell, kind: 'proxy', name: phase, startMs: at, endMs: at + ms, parent: id, status: 'ok', timing: 'measured', attrs: { durationMs: ms } });
      at += ms;
    }
  }
  return out;
}
