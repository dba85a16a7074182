/** The Anthropic Messages surface and token counting, wired in once their protocol module exists. */
import type { Surface } from '../surface.ts';
import type { Router } from '../router.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import type { Logger } from '../../util/log.ts';
import type { CellInfo } from '../server.ts';

export async function anthropicSurfaceIfAvailable(): Promise<Surface | undefined> {
  return undefined;
}

export function countTokensHandler(_deps: { router: Router; backends: BackendRegistry; log: Logger; cells: Map<string, CellInfo> }) {
  return undefined;
}
