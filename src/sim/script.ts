/**
 * A simulator script: the actions the simulated model takes, one per assistant turn.
 * Tasks carry one under `sim:`; a request may carry one in the `x-agentab-sim-script`
 * header (JSON). The default script is a single `say`. Scripts react: a tool action's
 * `on_error` actions run when its result is a failure (e.g. re-read and retry an edit whose
 * old string was not found), `think_ms` adds a wait before a turn, `tokens` sets its length.
 */
import { z } from 'zod';
import { ProxyError } from '../canonical/errors.ts';

/** Options every action takes. */
interface ActionTiming {
  /** Extra wait before the turn's first token, ms (the model "thinking"). */
  think_ms?: number;
  /** About how many tokens the turn's text says (a `say` or a tool call's preamble is padded to it). */
  tokens?: number;
}

/** What a tool action does when its result is a failure. */
interface ActionBranch {
  /**
   * Actions taken instead, one per turn, when this action's tool result is a failure (flagged
   * as an error, or text starting with `Error` or `<tool_use_error>`, or matching
   * `error_pattern`); the script then goes on after this action.
   */
  on_error?: SimAction[];
  /** A regular expression that also marks the tool result as a failure. */
  error_pattern?: string;
}

export type SimAction =
  | ({ action: 'bash'; command: string; description?: string } & ActionTiming & ActionBranch)
  | ({ action: 'write'; path: string; content: string } & ActionTiming & ActionBranch)
  | ({ action: 'read'; path: string } & ActionTiming & ActionBranch)
  | ({ action: 'edit'; path: string; old: string; new: string } & ActionTiming & ActionBranch)
  | ({ action: 'say'; text: string } & ActionTiming);

const timing = {
  think_ms: z.number().min(0).optional(),
  tokens: z.number().int().min(1).optional(),
};
const regex = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);
const branch = {
  on_error: z.array(z.lazy((): z.ZodType<SimAction> => SimActionSchema)).optional(),
  error_pattern: regex.optional(),
};

export const SimActionSchema: z.ZodType<SimAction> = z.discriminatedUnion('action', [
  z.object({ action: z.literal('bash'), command: z.string(), description: z.string().optional(), ...timing, ...branch }).strict(),
  z.object({ action: z.literal('write'), path: z.string(), content: z.string(), ...timing, ...branch }).strict(),
  z.object({ action: z.literal('read'), path: z.string(), ...timing, ...branch }).strict(),
  z.object({ action: z.literal('edit'), path: z.string(), old: z.string(), new: z.string(), ...timing, ...branch }).strict(),
  z.object({ action: z.literal('say'), text: z.string(), ...timing }).strict(),
]) as z.ZodType<SimAction>;
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
