/**
 * The client surfaces the proxy serves. Adding a dialect is a folder under surfaces/ whose
 * index exports `createSurface`, and one line here (CONTRIBUTING.md); the route table is
 * built from the surfaces' `routes` (route-table.ts), and an unrouted path gets the error
 * shape of the surface with the longest matching `errorPathPrefixes` (the first one's else).
 */
import type { SurfaceFactory } from '../surface.ts';

export interface SurfaceModule {
  createSurface: SurfaceFactory;
}

export const SURFACES: ReadonlyArray<() => Promise<SurfaceModule>> = [
  () => import('./openai-chat/index.ts'),
  () => import('./anthropic-messages/index.ts'),
];

/** Every registered surface's factory, in registration order. */
export async function loadSurfaces(): Promise<SurfaceFactory[]> {
  return Promise.all(SURFACES.map(async (load) => (await load()).createSurface));
}
