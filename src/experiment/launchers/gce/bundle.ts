/**
 * The input bundle of a GCE run (/work/GCE-CONTRACT.md §2): a tar.gz whose root holds
 * `bundle.json` (the run id, the spec's path, the overrides a VM applies, the shards) and the
 * files the spec needs at their paths relative to a common root: the spec's directory, each
 * task file's directory (fixtures, checks, tools), condition `from:` files and the proxy
 * config. It never holds a secret: a proxy config with a literal key is refused (keys travel
 * as `os.environ/NAME` plus a Secret Manager reference), and dotenv files, `.git`,
 * `node_modules` and `results` are left out.
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { envRefName } from '../../../config/env.ts';
import type { ExperimentSpec, SpecOverrides } from '../../../config/experiment-types.ts';
import { tarDirectory } from '../archive.ts';
import type { Shards } from '../../shard.ts';
import { GceError } from './errors.ts';

export const BUNDLE_FILE = 'bundle.json';
/** The largest bundle we upload; a bigger one almost always means a spec directory full of other things. */
export const MAX_BUNDLE_BYTES = 200 * 1024 ** 2;

export const BundleManifestSchema = z.object({
  v: z.literal(1),
  experiment: z.string().min(1),
  runId: z.string().min(1),
  /** The spec file, relative to the bundle root. */
  spec: z.string().min(1),
  overrides: z.looseObject({}),
  shards: z.object({ count: z.number().int().positive(), cells: z.array(z.array(z.string())) }),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

const SKIP = new Set(['.git', 'node_modules', 'results']);
const skipped = (p: string) => SKIP.has(path.basename(p)) || /^\.env(\..*)?$/.test(path.basename(p));

/** Keys of a proxy config whose values are secrets when written out literally. */
const SECRET_KEY = /(api_?key|master_key|private_key|secret|password|credentials?|(^|_)(access|auth|api|session|bearer|refresh|id)_?token|^token)$/i;

/** Paths (`model_list[0].litellm_params.api_key`) of literal secrets in a proxy config. */
export function literalSecrets(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const here = at ? `${at}.${k}` : k;
    if (SECRET_KEY.test(k) && v !== null && v !== '' && (typeof v !== 'string' || envRefName(v) === undefined)) {
      if (typeof v === 'string' || typeof v === 'number') out.push(here);
      else if (typeof v === 'object') out.push(here); // inline credentials JSON
      continue;
    }
    out.push(...literalSecrets(v, here));
  }
  return out;
}

function commonRoot(paths: string[]): string {
  let root = paths[0]!;
  for (const p of paths.slice(1)) {
    while (root !== path.dirname(root) && p !== root && !p.startsWith(root + path.sep)) root = path.dirname(root);
  }
  return root;
}

export interface BundleInput {
  spec: ExperimentSpec;
  /** The run's overrides (the manifest's); the bundle turns them into what a VM applies. */
  overrides: SpecOverrides;
  runId: string;
  shards: Shards;
  cellsPerVm: number;
  /** The budget each shard gets (the run's remaining budget split evenly). */
  shardBudget: { usd?: number; tokens?: number };
}

export interface Bundle {
  tarGz: Buffer;
  manifest: BundleManifest;
  /** Paths inside the bundle (the top-level entries copied). */
  entries: string[];
}

/** Refuses a spec whose proxy config would carry a literal secret to the VMs. */
export async function checkNoLiteralSecrets(spec: ExperimentSpec): Promise<void> {
  const found: string[] = [];
  let where = spec.file ?? spec.name;
  if (spec.proxy.kind === 'file') {
    where = spec.proxy.path;
    const raw = parseYaml(await readFile(spec.proxy.path, 'utf8')) as unknown;
    found.push(...literalSecrets(raw));
  } else if (spec.proxy.kind === 'inline') found.push(...literalSecrets(spec.proxy.config, 'proxy'));
  spec.conditions.forEach((c, i) => found.push(...literalSecrets(c.proxyModelList, `conditions[${i}].proxy.model_list`)));
  if (found.length) {
    throw new GceError(
      'gce_bundle_secret',
      `${where}: ${found.join(', ')}: a literal secret would be uploaded to the VMs; write it as os.environ/NAME and give the gce launcher \`secrets: {NAME: <Secret Manager secret>}\` (or --gce-secret NAME=<secret>)`,
    );
  }
}

export async function buildBundle(i: BundleInput): Promise<Bundle> {
  const { spec } = i;
  if (!spec.file) throw new GceError('gce_bundle_invalid', 'the gce launcher needs an experiment spec file (a spec built in code cannot be sent to the VMs)');
  await checkNoLiteralSecrets(spec);
  const dirs = new Set<string>([path.dirname(spec.file)]);
  const files = new Set<string>([spec.file]);
  for (const t of spec.tasks) {
    dirs.add(path.dirname(t.file));
    if (t.workspace.kind === 'dir') dirs.add(t.workspace.path);
  }
  for (const c of spec.conditions) for (const src of Object.values(c.files)) if ('from' in src) files.add(src.from);
  if (spec.proxy.kind === 'file') files.add(spec.proxy.path);
  const all = [...dirs, ...files];
  const root = commonRoot(all.map((p) => path.resolve(p)));
  // copy each directory once: drop those inside another
  const topDirs = [...dirs].filter((d) => ![...dirs].some((o) => o !== d && d.startsWith(o + path.sep)));
  const topFiles = [...files].filter((f) => !topDirs.some((d) => f.startsWith(d + path.sep)));
  const rel = (p: string) => path.relative(root, p) || '.';

  const stage = await mkdtemp(path.join(os.tmpdir(), 'agentab-bundle-'));
  try {
    for (const d of topDirs) await cp(d, path.join(stage, rel(d)), { recursive: true, filter: (src) => !skipped(src), dereference: false });
    for (const f of topFiles) await cp(f, path.join(stage, rel(f)));
    const overrides: SpecOverrides = {
      ...i.overrides,
      runners: spec.runners.map((r) => r.name),
      conditions: spec.conditions.map((c) => c.name),
      tasks: spec.tasks.map((t) => rel(t.file)),
      reps: spec.reps,
      seed: spec.seed,
      order: spec.order,
      launcher: 'local',
      concurrency: i.cellsPerVm,
      budgetUsd: i.shardBudget.usd,
      budgetTokens: i.shardBudget.tokens,
      gce: undefined,
    };
    const manifest: BundleManifest = {
      v: 1,
      experiment: spec.name,
      runId: i.runId,
      spec: rel(spec.file),
      overrides: JSON.parse(JSON.stringify(overrides)) as Record<string, unknown>,
      shards: { count: i.shards.count, cells: i.shards.cells },
    };
    await writeFile(path.join(stage, BUNDLE_FILE), JSON.stringify(manifest, null, 2) + '\n');
    const tarGz = gzipSync(await tarDirectory(stage, { uid: 0, gid: 0 }));
    if (tarGz.length > MAX_BUNDLE_BYTES) {
      throw new GceError('gce_bundle_invalid', `the input bundle is ${(tarGz.length / 1024 ** 2).toFixed(0)} MB (from ${root}); keep the spec and task directories small (at most ${MAX_BUNDLE_BYTES / 1024 ** 2} MB)`);
    }
    return { tarGz, manifest, entries: [...topDirs, ...topFiles].map(rel) };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Reads an unpacked bundle's bundle.json. */
export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  const file = path.join(dir, BUNDLE_FILE);
  let raw: unknown;
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new GceError('gce_bundle_invalid', `${file}: cannot read the bundle manifest: ${(e as Error).message}`, { cause: e });
  }
  const r = BundleManifestSchema.safeParse(raw);
  if (!r.success) throw new GceError('gce_bundle_invalid', `${file}: invalid bundle manifest: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
  return r.data;
}
