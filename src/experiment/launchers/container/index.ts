/** The container launcher's public surface. */
import type { LauncherDef } from '../../../config/experiment-types.ts';
import type { CellLauncher } from '../types.ts';
import { ContainerLauncher } from './launcher.ts';
import { parseContainerOptions } from './options.ts';

export { ContainerLauncher, type ContainerLauncherDeps } from './launcher.ts';
export { parseContainerOptions, parseMemory, CONTAINER_DEFAULTS, type ContainerOptions } from './options.ts';
export { discoverEngine, connect, parseEndpoint, type Engine, type Connection } from './engine.ts';
export { buildOfflineImage, offlineImageRef, inspectImage, type ImageInfo } from './image.ts';
export { ContainerError } from './errors.ts';
export { LABELS } from './labels.ts';

export function checkOptions(def: LauncherDef): void {
  parseContainerOptions(def.options);
}

/** The registry's factory for `launcher: container` (options validated here, with their defaults). */
export function createLauncher(def: LauncherDef): CellLauncher {
  return new ContainerLauncher(parseContainerOptions(def.options));
}
