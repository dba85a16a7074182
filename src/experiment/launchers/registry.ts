/** Launchers by kind. */
import type { LauncherDef, LauncherKind, SpecOverrides } from '../../config/experiment-types.ts';
import { createContainerLauncher } from './container/index.ts';
import { createGceLauncher } from './gce/index.ts';
import { LocalLauncher } from './local.ts';
import type { CellLauncher } from './types.ts';

/** `overrides`: the run's CLI overrides (a remote launcher passes them to its machines). */
export type LauncherFactory = (def: LauncherDef, o: { overrides?: SpecOverrides }) => CellLauncher;

const FACTORIES: Partial<Record<LauncherKind, LauncherFactory>> = {
  container: createContainerLauncher,
  gce: createGceLauncher,
  local: (def) => new LocalLauncher({ killGraceMs: typeof def.options.kill_grace_ms === 'number' ? def.options.kill_grace_ms : undefined }),
};

export class LauncherUnavailableError extends Error {
  readonly code = 'launcher_unavailable';
  readonly retryable = false;
  constructor(kind: string) {
    super(`launcher "${kind}" is not available in this build (available: ${Object.keys(FACTORIES).join(', ')})`);
    this.name = 'LauncherUnavailableError';
  }
}

export function registerLauncher(kind: LauncherKind, factory: LauncherFactory): void {
  FACTORIES[kind] = factory;
}

export function createLauncher(def: LauncherDef, o: { overrides?: SpecOverrides } = {}): CellLauncher {
  const f = FACTORIES[def.kind];
  if (!f) throw new LauncherUnavailableError(def.kind);
  return f(def, o);
}

export function launcherAvailable(kind: LauncherKind): boolean {
  return FACTORIES[kind] !== undefined;
}
