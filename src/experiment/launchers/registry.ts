/**
 * Launchers by kind. Adding one is a folder under launchers/ exporting `createLauncher` and
 * one line here (CONTRIBUTING.md). Loaded lazily, so naming the kinds (the spec schema, the
 * CLI) imports no launcher and its engine client.
 */
import type { LauncherDef, SpecOverrides } from '../../config/experiment-types.ts';
import type { CellLauncher } from './types.ts';

export interface LauncherModule {
  /**
   * Validates `def.options` (throwing a message that names the option) and builds the
   * launcher. `overrides`: the run's CLI overrides (a remote launcher passes them to its machines).
   */
  createLauncher(def: LauncherDef, o: { overrides?: SpecOverrides }): CellLauncher;
  /** Validates `def.options` as createLauncher does, without building anything: `plan` refuses what a run would. */
  checkOptions(def: LauncherDef): void;
  /**
   * Names of the secrets a remote launcher's machines resolve themselves (GCE: Secret Manager),
   * so planning on this host may stand in for them. Absent: every secret is read here.
   */
  remoteSecretNames?(def: LauncherDef): string[];
}

const LAUNCHERS: Readonly<Record<string, () => Promise<LauncherModule>>> = {
  local: () => import('./local/index.ts'),
  container: () => import('./container/index.ts'),
  gce: () => import('./gce/index.ts'),
};

/** Launcher kinds a spec may name, in registration order. */
export const LAUNCHER_NAMES: readonly string[] = Object.keys(LAUNCHERS);

export class LauncherUnavailableError extends Error {
  readonly code = 'launcher_unavailable';
  readonly retryable = false;
  constructor(kind: string) {
    super(`launcher "${kind}" is not available in this build (available: ${LAUNCHER_NAMES.join(', ')})`);
    this.name = 'LauncherUnavailableError';
  }
}

export async function createLauncher(def: LauncherDef, o: { overrides?: SpecOverrides } = {}): Promise<CellLauncher> {
  const load = LAUNCHERS[def.kind];
  if (!load) throw new LauncherUnavailableError(def.kind);
  return (await load()).createLauncher(def, o);
}

/** Throws what createLauncher would throw about the spec's launcher options (a typo, a bad value). */
export async function checkLauncherOptions(def: LauncherDef): Promise<void> {
  const load = LAUNCHERS[def.kind];
  if (!load) throw new LauncherUnavailableError(def.kind);
  (await load()).checkOptions(def);
}

/** Secrets the launcher's own machines resolve (none for a launcher that runs cells on this host). */
export async function remoteSecretNames(def: LauncherDef): Promise<string[]> {
  const load = LAUNCHERS[def.kind];
  if (!load) throw new LauncherUnavailableError(def.kind);
  return (await load()).remoteSecretNames?.(def) ?? [];
}
