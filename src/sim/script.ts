/**
 * A simulator script: the actions the simulated model takes, one per assistant turn.
 * Tasks carry one under `sim:`; a request may carry one in the `x-agentab-sim-script`
 * header (JSON). The default script is a single `say`.
 */
import { z } from 'zod';

export const SimActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('bash'), command: z.string(), description: z.string().optional() }).strict(),
  z.object({ action: z.literal('write'), path: z.string(), content: z.string() }).strict(),
  z.object({ action: z.literal('read'), path: z.string() }).strict(),
  z.object({ action: z.literal('edit'), path: z.string(), old: z.string(), new: z.string() }).strict(),
  z.object({ action: z.literal('say'), text: z.string() }).strict(),
]);
export type SimAction = z.infer<typeof SimActionSchema>;
export const SimScriptSchema = z.array(SimActionSchema);
