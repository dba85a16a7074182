/**
 * The client surfaces the proxy serves, in matching order. Adding a dialect is a folder
 * under surfaces/ and one line here (CONTRIBUTING.md); the route table is built from the
 * surfaces' `routes` (route-table.ts).
 */
import type { SurfaceFactory } from '../surface.ts';
import { openAIChatSurface } from './openai-chat/index.ts';
import { anthropicMessagesSurface } from './anthropic-messages/index.ts';

export const SURFACES: readonly SurfaceFactory[] = [
  openAIChatSurface,
  anthropicMessagesSurface,
];
