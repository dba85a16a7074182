/**
 * manifest.json of a run: what produced it (versions, config hash, seed, the spec file and
 * the CLI overrides, so `--resume` re-plans the same matrix) and the sessions that ran it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import type { ProxyConfig } from '../config/types.ts';
import type { SpecOverrides } from '../config/experiment-types.ts';
import { VERSION } from '../version.ts';
import type { Plan } from './plan.ts';
import { writeFileAtomic, writeFileAtomicSync } from './records-store.ts';
import { runPaths } from './run-dir.ts';
import { snapshotHash, specSnapshot } from './spec-snapshot.ts';

const OverridesSchema = z.looseObject({
  runners: z.array(z.string()).optional(),
  conditions: z.array(z.string()).optional(),
  tasks: z.array(z.string()).optional(),
  reps: z.number().optional(),
  launcher: z.string().optional(),
  concurrency: z.number().optional(),
  seed: z.number().optional(),
  budgetUsd: z.number().optional(),
  budgetTokens: z.number().optional(),
  timeoutMs: z.number().optional(),
  order: z.enum(['interleaved', 'sequential', 'random']).optional(),
});

const SessionSchema = z.looseObject({
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  ran: z.number().int().nonnegative(),
  status: z.string(),
});

export const ManifestSchema = z.looseObject({
  v: z.literal(1),
  experiment: z.string(),
  runId: z.string(),
  specFile: z.string().nullable(),
  cwd: z.string(),
  overrides: OverridesSchema,
  seed: z.number(),
  cells: z.number().int(),
  configHash: z.string().nullable(),
  versions: z.looseObject({ agentab: z.string(), node: z.string() }),
  host: z.string(),
  createdAt: z.string(),
  status: z.enum(['planned', 'running', 'complete', 'canceled', 'budget', 'failed', 'killed']),
  sessions: z.array(SessionSchema),
  /** Hash of the spec snapshot (spec-snapshot.ts); absent in runs of older versions. */
  specHash: z.string().optional(),
  spec: z.record(z.string(), z.unknown()).optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export class ManifestError extends Error {
  readonly code = 'manifest_invalid';
  readonly retryable = false;
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ManifestError';
  }
}

/** Hash of the routing-relevant proxy config; secrets are left out. */
export function configHash(c: ProxyConfig): string {
  const deployments = c.deployments.map((d) => {
    const { apiKey: _k, vertexCredentials: _c, ...rest } = d;
    return rest;
  });
  return createHash('sha256').update(JSON.stringify({ deployments, router: c.router })).digest('hex').slice(0, 16);
}

export function newManifest(plan: Plan, runId: string, o: { cwd: string; overrides: SpecOverrides; proxy?: ProxyConfig; status: Manifest['status'] }): Manifest {
  const spec = specSnapshot(plan.spec, o.proxy ? configHash(o.proxy) : null);
  return {
    v: 1,
    experiment: plan.spec.name,
    runId,
    specFile: plan.spec.file ?? null,
    cwd: o.cwd,
    overrides: { ...o.overrides },
    seed: plan.spec.seed,
    cells: plan.cells.length,
    configHash: o.proxy ? configHash(o.proxy) : null,
    versions: {
      agentab: VERSION,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      runners: Object.fromEntries(Object.values(plan.runners).map((r) => [r.name, { kind: r.kind, version: r.version }])),
    },
    host: os.hostname(),
    createdAt: new Date().toISOString(),
    status: o.status,
    sessions: [],
    specHash: snapshotHash(spec),
    spec,
  };
}

export async function readManifest(runDir: string): Promise<Manifest> {
  const file = runPaths(runDir).manifest;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ManifestError(`${file}: cannot read the run manifest (is ${runDir} a run directory?): ${(e as Error).message}`, e);
  }
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) throw new ManifestError(`${file}: invalid manifest: ${r.error.issues[0]?.message}`, r.error);
  return r.data;
}

export async function writeManifest(runDir: string, m: Manifest): Promise<void> {
  await writeFileAtomic(runPaths(runDir).manifest, JSON.stringify(m, null, 2) + '\n');
}

/** The same from a process 'exit' handler. */
export function writeManifestSync(runDir: string, m: Manifest): void {
  writeFileAtomicSync(runPaths(runDir).manifest, JSON.stringify(m, null, 2) + '\n');
}
