/** Number formatting shared by the viewer's pages. */

export const fmtInt = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export const fmtUsd = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `$${x < 0.01 ? x.toFixed(4) : x.toFixed(2)}`);

/** A ratio as a signed percent change: 1.08 → "+8.0%". */
export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '–';
  const pct = (r - 1) * 100;
  const digits = Math.abs(pct) < 10 ? 1 : 0;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(digits)}%`;
}

export const fmtPct = (p: number | null | undefined): string => (p === null || p === undefined ? '–' : `${(p * 100).toFixed(0)}%`);

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A metric's value by its kind (see report/metrics.ts): duration, tokens, count or usd. */
export function fmtMetric(kind: string | undefined, v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (kind === 'duration') return fmtMs(v);
  if (kind === 'usd') return fmtUsd(v);
  return fmtInt(v);
}

export const fmtDate = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
