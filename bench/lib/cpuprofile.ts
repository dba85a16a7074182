/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and ranks functions and files by
 * self time, so a run can name its hotspots as file:line without opening DevTools. Each
 * function also names the nearest frame in the project's own `src/` that led to it, so a
 * native or library hotspot (writev, a tokenizer) points back at our code.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { definitionLine } from './source-lines.ts';

const Node = z.object({
  id: z.number(),
  callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
  hitCount: z.number().optional(),
  children: z.array(z.number()).optional(),
});
type Node = z.infer<typeof Node>;

const CpuProfile = z.object({
  nodes: z.array(Node),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
  timeDeltas: z.array(z.number()).optional(),
});
type CpuProfile = z.infer<typeof CpuProfile>;

/**
 * A time window in microseconds of the monotonic clock. V8 stamps profile samples with the
 * same clock as `process.hrtime` on Linux, so a window taken in another process lines up.
 */
export interface Window {
  fromUs: number;
  toUs: number;
}

export const hrtimeUs = (): number => Number(process.hrtime.bigint() / 1000n);

export interface Hotspot {
  /** `function (file:line)`, 1-based line, path relative to `root`. */
  where: string;
  selfMs: number;
  selfPct: number;
  /** The src/ frame most often on the stack above it (absent for src/ frames themselves). */
  via?: string;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples that were idle (event loop waiting). */
  idlePct: number;
  functions: Hotspot[];
  files: Hotspot[];
}

function shortUrl(url: string, root: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (path.startsWith(root)) return path.slice(root.length).replace(/^\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  return nm >= 0 ? path.slice(nm + 1) : path;
}

function frameName(n: Node, root: string): { where: string; file: string } {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url ? shortUrl(url, root) : '';
  if (!file) return { where: functionName, file };
  let line: string = String(lineNumber + 1);
  if (file.endsWith('.ts') && url.startsWith('file://')) {
    // V8's line is one of tsx's compiled output (whitespace-minified); find the function in
    // the source by name instead.
    line = String(definitionLine(url.slice('file://'.length), functionName) ?? '?');
  }
  return { where: `${functionName || '(anonymous)'} (${file}:${line})`, file };
}

/** Samples per node id, only those inside `window` when given (needs samples + timeDeltas). */
function hitsPerNode(p: CpuProfile, window?: Window): Map<number, number> {
  const hits = new Map<number, number>();
  if (!p.samples) {
    for (const n of p.nodes) hits.set(n.id, n.hitCount ?? 0);
    return hits;
  }
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas?.[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) return;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return hits;
}

/** For each node, the nearest strict ancestor whose file is under src/. */
function nearestSrcAncestor(p: CpuProfile, root: string): Map<number, string> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<number, string>();
  const visit = (id: number, above: string | undefined) => {
    const n = byId.get(id);
    if (!n) return;
    if (above) out.set(id, above);
    const here = frameName(n, root);
    const next = here.file.startsWith('src/') ? here.where : above;
    for (const c of n.children ?? []) visit(c, next);
  };
  const childIds = new Set(p.nodes.flatMap((n) => n.children ?? []));
  for (const n of p.nodes) if (!childIds.has(n.id)) visit(n.id, undefined);
  return out;
}

function rank(map: Map<string, number>, perHitMs: number, busy: number, top: number, via?: Map<string, Map<string, number>>): Hotspot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => {
      const v = via?.get(where);
      const best = v ? [...v.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] : undefined;
      return { where, selfMs: hits * perHitMs, selfPct: busy > 0 ? (100 * hits) / busy : 0, ...(best ? { via: best } : {}) };
    });
}

/** Self time per function and per file, as a share of non-idle samples (within `window`). */
export function summarizeCpuProfile(file: string, root: string, o: { top?: number; window?: Window } = {}): ProfileSummary {
  const top = o.top ?? 15;
  const p = CpuProfile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const hitsById = hitsPerNode(p, o.window);
  const srcAbove = nearestSrcAncestor(p, root);
  const total = [...hitsById.values()].reduce((a, b) => a + b, 0);
  const from = o.window ? Math.max(p.startTime, o.window.fromUs) : p.startTime;
  const to = o.window ? Math.min(p.endTime, o.window.toUs) : p.endTime;
  const totalMs = Math.max(0, to - from) / 1000;
  const perHitMs = total > 0 ? totalMs / total : 0;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  const via = new Map<string, Map<string, number>>();
  let idle = 0;
  for (const n of p.nodes) {
    const hits = hitsById.get(n.id) ?? 0;
    if (hits === 0) continue;
    if (n.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const { where, file } = frameName(n, root);
    byFn.set(where, (byFn.get(where) ?? 0) + hits);
    const fileKey = file || where;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
    const above = file.startsWith('src/') ? undefined : srcAbove.get(n.id);
    if (above) {
      const m = via.get(where) ?? new Map<string, number>();
      m.set(above, (m.get(above) ?? 0) + hits);
      via.set(where, m);
    }
  }
  const busy = total - idle;
  return {
    totalMs,
    idlePct: total > 0 ? (100 * idle) / total : 0,
    functions: rank(byFn, perHitMs, busy, top, via),
    files: rank(byFile, perHitMs, busy, top),
  };
}
