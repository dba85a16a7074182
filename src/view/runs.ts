/**
 * The runs the viewer shows: run directories found under the paths it was given (a results
 * root, an experiment directory or run directories), each summarised for the run list and
 * cached until its files change. A run directory is one holding `manifest.json` or
 * `records.jsonl` (see run-dir.ts).
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readRecordsFile } from '../experiment/records-store.ts';
import { runPaths } from '../experiment/run-dir.ts';
import type { RunRecord } from '../experiment/run-record.ts';

/** How deep below a given path run directories are looked for (results/<experiment>/<runId>). */
const MAX_DEPTH = 3;
/** Bytes of the spend log read for the run list's backend/model column. */
const SPEND_HEAD_BYTES = 64 * 1024;

export interface RunLocation {
  /** The URL-safe id of the run in the viewer (its runId, made unique). */
  key: string;
  dir: string;
}

const isRunDir = async (dir: string): Promise<boolean> => {
  for (const f of [runPaths(dir).manifest, runPaths(dir).records]) {
    if (await stat(f).then((s) => s.isFile(), () => false)) return true;
  }
  return false;
};

/** Run directories under `inputs`, newest name last within a directory, each once. */
export async function findRunDirs(inputs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    const abs = path.resolve(dir);
    if (seen.has(abs)) return;
    seen.add(abs);
    if (await isRunDir(abs)) {
      found.push(abs);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'cells') await walk(path.join(abs, e.name), depth + 1);
    }
  };
  for (const input of inputs) await walk(input, 0);
  return found;
}

/** Keys are the directory names (run ids), with a numeric suffix where two roots share one. */
export function assignKeys(dirs: readonly string[]): RunLocation[] {
  const used = new Set<string>();
  return dirs.map((dir) => {
    const base = path.basename(dir).replace(/[^A-Za-z0-9._-]/g, '_') || 'run';
    let key = base;
    for (let i = 2; used.has(key); i++) key = `${base}~${i}`;
    used.add(key);
    return { key, dir };
  });
}

export interface RunManifestInfo {
  experiment?: string;
  runId?: string;
  createdAt?: string;
  status?: string;
  cells?: number;
  host?: string;
  versions?: { agentab?: string; runners?: Record<string, { kind?: string; version?: string | null }> };
  [key: string]: unknown;
}

export async function readJsonFile<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export interface RunSummary {
  key: string;
  dir: string;
  experiment: string;
  runId: string;
  createdAt: string | null;
  status: string | null;
  /** Cells the plan has (null when the manifest does not say). */
  planned: number | null;
  recorded: number;
  pass: number;
  passRate: number | null;
  outcomes: Record<string, number>;
  costUsd: number;
  runners: { name: string; version: string | null }[];
  conditions: string[];
  tasks: string[];
  launcher: string | null;
  backends: string[];
  models: string[];
  simulated: boolean;
  /** Bytes and mtime of records.jsonl: changes when a record arrives. */
  stamp: string;
}

/** Backends and upstream models named in the first lines of the spend log. */
async function spendHead(file: string): Promise<{ backends: string[]; models: string[] }> {
  const backends = new Set<string>();
  const models = new Set<string>();
  let handle;
  try {
    handle = await open(file, 'r');
    const buf = Buffer.alloc(SPEND_HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    for (const line of buf.subarray(0, bytesRead).toString('utf8').split('\n')) {
      try {
        const rec = JSON.parse(line) as { backend?: unknown; upstreamModel?: unknown };
        if (typeof rec.backend === 'string') backends.add(rec.backend);
        if (typeof rec.upstreamModel === 'string') models.add(rec.upstreamModel);
      } catch {
        /* a cut line at the end of the head */
      }
    }
  } catch {
    /* no spend log yet */
  } finally {
    await handle?.close();
  }
  return { backends: [...backends].sort(), models: [...models].sort() };
}

export async function fileStamp(file: string): Promise<string> {
  const s = await stat(file).catch(() => null);
  return s ? `${s.size}:${s.mtimeMs}` : 'missing';
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function summarise(loc: RunLocation, manifest: RunManifestInfo | null, records: readonly RunRecord[], head: { backends: string[]; models: string[] }, stamp: string): RunSummary {
  const outcomes: Record<string, number> = {};
  let cost = 0;
  for (const r of records) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    cost += r.costUsd;
  }
  const pass = outcomes.pass ?? 0;
  const counted = records.length - (outcomes.infra ?? 0) - (outcomes.canceled ?? 0);
  const runnerVersions = manifest?.versions?.runners ?? {};
  const runnerNames = sorted([...Object.keys(runnerVersions), ...records.map((r) => r.runner)]);
  return {
    key: loc.key,
    dir: loc.dir,
    experiment: manifest?.experiment ?? records[0]?.experiment ?? path.basename(path.dirname(loc.dir)),
    runId: manifest?.runId ?? records[0]?.runId ?? path.basename(loc.dir),
    createdAt: manifest?.createdAt ?? records[0]?.startedAt ?? null,
    status: manifest?.status ?? null,
    planned: typeof manifest?.cells === 'number' ? manifest.cells : null,
    recorded: records.length,
    pass,
    passRate: counted > 0 ? pass / counted : null,
    outcomes,
    costUsd: cost,
    runners: runnerNames.map((name) => ({ name, version: runnerVersions[name]?.version ?? records.find((r) => r.runner === name)?.runnerVersion ?? null })),
    conditions: sorted(records.map((r) => r.condition)),
    tasks: sorted(records.map((r) => r.task)),
    launcher: records[0]?.launcher ?? null,
    backends: head.backends,
    models: head.models,
    simulated: head.backends.length > 0 && head.backends.every((b) => b === 'sim'),
    stamp,
  };
}

/** The records and summary of one run, re-read only when records.jsonl changes. */
export interface LoadedRun {
  loc: RunLocation;
  stamp: string;
  manifest: RunManifestInfo | null;
  records: RunRecord[];
  byCell: Map<string, RunRecord>;
  summary: RunSummary;
}

export async function loadRun(loc: RunLocation, previous?: LoadedRun): Promise<LoadedRun> {
  const paths = runPaths(loc.dir);
  const stamp = `${await fileStamp(paths.records)}|${await fileStamp(paths.manifest)}`;
  if (previous && previous.stamp === stamp) return previous;
  const [manifest, file, head] = await Promise.all([readJsonFile<RunManifestInfo>(paths.manifest), readRecordsFile(paths.records), spendHead(paths.spend)]);
  const records = file.records;
  return { loc, stamp, manifest, records, byCell: new Map(records.map((r) => [r.cell, r])), summary: summarise(loc, manifest, records, head, stamp) };
}
