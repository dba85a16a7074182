/**
 * Launchers by kind. Adding one is a folder under launchers/ exporting `createLauncher` and
 * one line here (CONTRIBUTING.md). Loaded lazily, so naming the kinds (the spec schema, the
 * CLI) imports no launcher and its engine client.
 */
import type { LauncherDef } from '../../config/experiment-types.ts';
import type { CellLauncher } from './types.ts';

export interface LauncherModule {
  /** Validates `def.options` (throwing a message that names the option) and builds the launcher. */
  createLauncher(def: LauncherDef): CellLauncher;
}

const LAUNCHERS: Readonly<Record<string, () => Promise<LauncherModule>>> = {
  local: () => import('./local/index.ts'),
  container: () => import('./container/index.ts'),
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

export async function createLauncher(def: LauncherDef): Promise<CellLauncher> {
  const load = LAUNCHERS[def.kind];
  if (!load) throw new LauncherUnavailableError(def.kind);
  return (await load()).createLauncher(def);
}
