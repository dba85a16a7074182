/** Launchers by kind. The container and GCE launchers register here when they exist. */
import type { LauncherDef, LauncherKind } from '../../config/experiment-types.ts';
import { createContainerLauncher } from './container/index.ts';
import { LocalLauncher } from './local.ts';
import type { CellLauncher } from './types.ts';

export type LauncherFactory = (def: LauncherDef) => CellLauncher;

const FACTORIES: Partial<Record<LauncherKind, LauncherFactory>> = {
  container: createContainerLauncher,
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

export function createLauncher(def: LauncherDef): CellLauncher {
  const f = FACTORIES[def.kind];
  if (!f) throw new LauncherUnavailableError(def.kind);
  return f(def);
}

export function launcherAvailable(kind: LauncherKind): boolean {
  return FACTORIES[kind] !== undefined;
}
