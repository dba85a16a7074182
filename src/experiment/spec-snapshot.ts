/**
 * What of a spec decides what a run measures, as a plain JSON snapshot stored in the run's
 * manifest with its hash: runners (kind, command, args, env), conditions, tasks (prompt,
 * setup, check, workspace, sim script), reps, model, seed, order, launcher, proxy routing.
 * `--resume` compares the snapshot of the spec it loads now with the stored one and refuses
 * on a difference (listing the changed fields) unless --force. Concurrency, budget and
 * timeouts may change between sessions. Env values are hashed, never stored: they may be keys.
 */
import { createHash } from 'node:crypto';
import type { ExperimentSpec } from '../config/experiment-types.ts';

const hash = (v: unknown): string => createHash('sha256').update(typeof v === 'string' ? v : JSON.stringify(v) ?? 'null').digest('hex').slice(0, 16);
const envDigest = (env: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.keys(env).sort().map((k) => [k, `sha256:${hash(env[k])}`]));

export type SpecSnapshot = Record<string, unknown>;

export function specSnapshot(spec: ExperimentSpec, proxyConfigHash: string | null): SpecSnapshot {
  return {
    name: spec.name,
    model: spec.model,
    reps: spec.reps,
    seed: spec.seed,
    order: spec.order,
    maxTurns: spec.maxTurns ?? null,
    launcher: { kind: spec.launcher.kind, options: spec.launcher.options },
    proxy: proxyConfigHash,
    runners: spec.runners.map((r) => ({ name: r.name, kind: r.kind, command: r.command ?? null, args: r.args, env: envDigest(r.env), maxTurns: r.maxTurns ?? null, bin: r.bin ?? null })),
    conditions: spec.conditions.map((c) => ({
      name: c.name, setup: c.setup, args: c.args, env: envDigest(c.env), model: c.model ?? null,
      files: Object.fromEntries(Object.entries(c.files).map(([k, v]) => [k, 'content' in v ? `sha256:${hash(v.content)}` : v.from])),
    })),
    tasks: spec.tasks.map((t) => ({
      id: t.id, prompt: `sha256:${hash(t.prompt)}`, setup: t.setup, check: t.check ?? null, workspace: t.workspace,
      command: t.command ?? null, maxTurns: t.maxTurns ?? null, sim: t.sim ? `sha256:${hash(t.sim)}` : null,
    })),
  };
}

export function snapshotHash(s: SpecSnapshot): string {
  return hash(s);
}

/** Paths whose values differ between two snapshots, as "path: old → new" lines. */
export function diffSnapshots(before: unknown, after: unknown, at = ''): string[] {
  const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => diffSnapshots(before[k], after[k], Array.isArray(before) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
  }
  return [`${at || '(spec)'}: ${show(before)} → ${show(after)}`];
}
