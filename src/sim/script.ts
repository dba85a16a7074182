/**
 * A simulator script: the actions the simulated model takes, one per assistant turn.
 * Tasks carry one under `sim:`; a request may carry one in the `x-agentab-sim-script`
 * header (JSON). The default script is a single `say`.
 */
import { z } from 'zod';
import { ProxyError } from '../canonical/errors.ts';

export const SimActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('bash'), command: z.string(), description: z.string().optional() }).strict(),
  z.object({ action: z.literal('write'), path: z.string(), content: z.string() }).strict(),
  z.object({ action: z.literal('read'), path: z.string() }).strict(),
  z.object({ action: z.literal('edit'), path: z.string(), old: z.string(), new: z.string() }).strict(),
  z.object({ action: z.literal('say'), text: z.string() }).strict(),
]);
export type SimAction = z.infer<typeof SimActionSchema>;
export const SimScriptSchema = z.array(SimActionSchema);

/** Thrown when a script (e.g. from the `x-agentab-sim-script` header) is not a valid SimAction[]. */
export class SimScriptError extends ProxyError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    // A ProxyError of kind invalid_request, so the proxy answers the caller with a 400.
    super(message, { code: 'invalid_sim_script', kind: 'invalid_request', cause: options.cause });
    this.name = 'SimScriptError';
  }
}

/**
 * Parses a script header value: JSON, or base64 (standard or URL-safe) of JSON; an array of
 * actions or a single action. Throws SimScriptError naming what was wrong.
 */
export function parseScriptHeader(value: string): SimAction[] {
  const text = value.trim();
  if (text.length === 0) throw new SimScriptError('sim script header is empty');
  let json = text;
  if (!text.startsWith('[') && !text.startsWith('{')) {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
      throw new SimScriptError('sim script header is neither JSON nor base64 of JSON');
    }
    json = Buffer.from(text, 'base64').toString('utf8');
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new SimScriptError(`sim script header is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const parsed = SimScriptSchema.safeParse(Array.isArray(data) ? data : [data]);
  if (!parsed.success) {
    throw new SimScriptError(`sim script header is not a valid script:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}
