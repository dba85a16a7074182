/**
 * Durations in specs and flags: a number of seconds, or a string with a unit
 * (`500ms`, `90s`, `5m`, `1h`). Hand-written because `ms`-style parsers accept far more
 * (`2 days`, bare numbers as ms) than a spec should.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/** Milliseconds, or undefined when `v` is not a duration. */
export function parseDurationMs(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? Math.round(v * 1000) : undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return parseDurationMs(Number(t));
  const m = DURATION.exec(t);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms > 0 ? Math.round(ms) : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m}m${String(rest).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
