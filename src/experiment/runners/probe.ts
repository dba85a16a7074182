/**
 * Resolves every runner of a spec to a binary and a version, once per run. A missing
 * binary fails here, at planning time, with a message saying how to fix it.
 */
import { execa } from 'execa';
import type { RunnerDef } from '../../config/experiment-types.ts';
import type { ResolvedRunner } from '../plan.ts';
import { runnerAdapter } from './adapters.ts';
import { RunnerNotFoundError } from './types.ts';

const VERSION_TIMEOUT_MS = 60_000;

export async function probeRunner(def: RunnerDef, env: Record<string, string>): Promise<ResolvedRunner> {
  const adapter = runnerAdapter(def.kind);
  const bin = adapter.resolveBinary(def);
  const argv = adapter.versionArgv(bin);
  if (!argv) return { name: def.name, kind: def.kind, bin, version: adapter.parseVersion('') };
  const r = await execa(argv[0]!, argv.slice(1), { env, extendEnv: false, reject: false, timeout: VERSION_TIMEOUT_MS, stdin: 'ignore' });
  if (r.exitCode !== 0) {
    throw new RunnerNotFoundError(def.name, `\`${argv.join(' ')}\` failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`}): ${String(r.stderr || r.stdout).slice(0, 300)}`);
  }
  return { name: def.name, kind: def.kind, bin, version: adapter.parseVersion(String(r.stdout)) };
}

/** By runner name; probes run one after another (each CLI start costs a core for a second). */
export async function probeRunners(defs: RunnerDef[], env: Record<string, string>): Promise<Record<string, ResolvedRunner>> {
  const out: Record<string, ResolvedRunner> = {};
  for (const d of defs) out[d.name] = await probeRunner(d, env);
  return out;
}
