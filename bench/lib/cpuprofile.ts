/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and ranks functions and files by
 * self time, so a run can name its hotspots as file:line without opening DevTools.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const CpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
});

export interface Hotspot {
  /** `function (file:line)`, 1-based line, path relative to `root`. */
  where: string;
  selfMs: number;
  selfPct: number;
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

function rank(map: Map<string, number>, perHitMs: number, busy: number, top: number): Hotspot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => ({ where, selfMs: hits * perHitMs, selfPct: busy > 0 ? (100 * hits) / busy : 0 }));
}

/** Self time per function and per file, as a share of non-idle samples. */
export function summarizeCpuProfile(file: string, root: string, top = 15): ProfileSummary {
  const p = CpuProfile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const hitsById = new Map<number, number>();
  if (p.samples) for (const id of p.samples) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
  else for (const n of p.nodes) hitsById.set(n.id, n.hitCount ?? 0);
  const total = [...hitsById.values()].reduce((a, b) => a + b, 0);
  const totalMs = (p.endTime - p.startTime) / 1000;
  const perHitMs = total > 0 ? totalMs / total : 0;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  for (const n of p.nodes) {
    const hits = hitsById.get(n.id) ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const file = url ? shortUrl(url, root) : '';
    const where = file ? `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})` : functionName;
    byFn.set(where, (byFn.get(where) ?? 0) + hits);
    const fileKey = file || functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  const busy = total - idle;
  return {
    totalMs,
    idlePct: total > 0 ? (100 * idle) / total : 0,
    functions: rank(byFn, perHitMs, busy, top),
    files: rank(byFile, perHitMs, busy, top),
  };
}
