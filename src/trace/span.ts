/**
 * A span: one interval of a cell's life on one clock (epoch milliseconds, fractional), with
 * what it was and how its times were obtained. Every view of a cell's time (decomposition,
 * Chrome trace, debug bundle, results viewer) is built from a list of these.
 */

export const SPAN_KINDS = ['cell', 'phase', 'model', 'request', 'tool', 'proxy'] as const;
/**
 * `cell` the whole cell · `phase` a launcher phase (workspace, setup, runner start, runner,
 * check, teardown) · `model` a model call from the spend log · `request` another proxy request
 * (token counting, model listing) · `tool` a tool call from the runner's transcript ·
 * `proxy` the proxy's own phase of a model call (read body, route, upstream …).
 */
export type SpanKind = (typeof SPAN_KINDS)[number];

export type SpanAttr = string | number | boolean | null;

export interface Span {
  /** Unique within the cell. */
  id: string;
  cell: string;
  kind: SpanKind;
  name: string;
  /** Epoch ms. */
  startMs: number;
  /** Epoch ms, ≥ startMs. */
  endMs: number;
  /** The enclosing span's id (a proxy phase's model call, the runner phase of its start-up). */
  parent?: string;
  status: 'ok' | 'error';
  /**
   * `measured`: both ends were recorded by a clock · `inferred`: one end was derived (e.g. a
   * Claude Code tool call starts when the model call that asked for it ended).
   */
  timing: 'measured' | 'inferred';
  attrs: Record<string, SpanAttr>;
}

export const durationMs = (s: Pick<Span, 'startMs' | 'endMs'>): number => s.endMs - s.startMs;

/** Spans in start order (ties: longer first, so parents precede children). */
export function sortSpans(spans: Span[]): Span[] {
  return spans.sort((a, b) => a.startMs - b.startMs || b.endMs - a.endMs || a.id.localeCompare(b.id));
}
