/**
 * Chrome Trace Event JSON (what Perfetto and chrome://tracing open) from cell timelines:
 * one process per cell; its phases as complete (`X`) events on a `phases` thread; model and
 * tool calls as async (`b`/`e`) events with one id per call, so calls that overlap get their
 * own tracks; the proxy's phases of a call as async events nested inside it (same id), the
 * first token as an async instant; counters for cumulative tokens and cost.
 *
 * Timestamps are integer microseconds from the earliest span (the origin is in `otherData`).
 */
import type { CellTimeline } from './cell-spans.ts';
import { cellLabel } from './phase-spans.ts';
import type { Span, SpanAttr } from './span.ts';

export type TraceEventPhase = 'X' | 'b' | 'e' | 'n' | 'C' | 'M' | 'i';

export interface TraceEvent {
  name: string;
  cat?: string;
  ph: TraceEventPhase;
  /** Microseconds. */
  ts?: number;
  /** Microseconds (X events). */
  dur?: number;
  pid: number;
  tid?: number;
  id?: string;
  s?: 'g' | 'p' | 't';
  args?: Record<string, SpanAttr | Record<string, SpanAttr>>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number>;
}

const TID = { cell: 1, phases: 2, calls: 3 } as const;

function argsOf(s: Span): Record<string, SpanAttr> {
  const out: Record<string, SpanAttr> = { span: s.id, status: s.status, timing: s.timing };
  for (const [k, v] of Object.entries(s.attrs)) if (v !== null) out[k] = v;
  return out;
}

export function chromeTrace(timelines: readonly CellTimeline[]): ChromeTrace {
  const starts = timelines.flatMap((t) => t.spans.map((s) => s.startMs));
  const origin = starts.length ? Math.min(...starts) : 0;
  const us = (ms: number): number => Math.round((ms - origin) * 1000);
  const events: TraceEvent[] = [];
  timelines.forEach((t, i) => {
    const pid = i + 1;
    const r = t.record;
    events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `${cellLabel(r)} ${r.cell} (${r.outcome})` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: pid } });
    events.push({ name: 'thread_name', ph: 'M', pid, tid: TID.cell, args: { name: 'cell' } });
    events.push({ name: 'thread_name', ph: 'M', pid, tid: TID.phases, args: { name: 'phases' } });
    events.push({ name: 'thread_name', ph: 'M', pid, tid: TID.calls, args: { name: 'calls' } });
    let input = 0;
    let output = 0;
    let cost = 0;
    const counterPoints: { ts: number; input: number; output: number; cost: number }[] = [];
    const calls = t.spans.filter((s) => s.kind === 'model' || s.kind === 'request' || s.kind === 'tool');
    const children = new Map<string, Span[]>();
    for (const s of t.spans) {
      if (s.kind !== 'proxy' || !s.parent) continue;
      const list = children.get(s.parent) ?? [];
      list.push(s);
      children.set(s.parent, list);
    }
    for (const s of t.spans) {
      if (s.kind === 'cell' || s.kind === 'phase') {
        const dur = Math.max(0, us(s.endMs) - us(s.startMs));
        events.push({ name: s.name, cat: s.kind, ph: 'X', ts: us(s.startMs), dur, pid, tid: s.kind === 'cell' ? TID.cell : TID.phases, args: argsOf(s) });
      }
    }
    for (const s of calls) {
      const cat = s.kind === 'tool' ? 'tool' : 'model';
      const id = `${r.cell}:${s.id}`;
      const b = us(s.startMs);
      const e = Math.max(b, us(s.endMs));
      events.push({ name: s.name, cat, ph: 'b', ts: b, pid, tid: TID.calls, id, args: argsOf(s) });
      const ttft = s.attrs.ttftMs;
      if (typeof ttft === 'number') events.push({ name: 'first token', cat, ph: 'n', ts: Math.min(e, us(s.startMs + ttft)), pid, tid: TID.calls, id });
      for (const c of children.get(s.id) ?? []) {
        const cb = Math.min(Math.max(b, us(c.startMs)), e);
        const ce = Math.min(Math.max(cb, us(c.endMs)), e);
        events.push({ name: `proxy ${c.name}`, cat, ph: 'b', ts: cb, pid, tid: TID.calls, id, args: { durationMs: c.endMs - c.startMs } });
        events.push({ name: `proxy ${c.name}`, cat, ph: 'e', ts: ce, pid, tid: TID.calls, id });
      }
      events.push({ name: s.name, cat, ph: 'e', ts: e, pid, tid: TID.calls, id });
      if (s.kind === 'model') {
        input += Number(s.attrs.inputTokens ?? 0);
        output += Number(s.attrs.outputTokens ?? 0);
        cost += Number(s.attrs.costUsd ?? 0);
        counterPoints.push({ ts: e, input, output, cost });
      }
    }
    if (counterPoints.length) {
      const start = us(Date.parse(r.startedAt));
      events.push({ name: 'tokens', ph: 'C', ts: start, pid, tid: 0, args: { input: 0, output: 0 } });
      events.push({ name: 'cost (USD)', ph: 'C', ts: start, pid, tid: 0, args: { cost: 0 } });
      for (const p of counterPoints) {
        events.push({ name: 'tokens', ph: 'C', ts: p.ts, pid, tid: 0, args: { input: p.input, output: p.output } });
        events.push({ name: 'cost (USD)', ph: 'C', ts: p.ts, pid, tid: 0, args: { cost: Math.round(p.cost * 1e6) / 1e6 } });
      }
    }
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { generator: 'agentab trace', origin: new Date(origin).toISOString(), cells: timelines.length },
  };
}
