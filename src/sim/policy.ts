/**
 * Decides what the simulated model does on this turn. Stateless, like a real model: the
 * client resends the whole history, so the position in the script is found by replaying it
 * over the assistant turns so far and the tool results that followed each.
 *
 * - `say` actions give a text-only turn that ends the conversation (finish 'stop').
 * - Tool actions give a short sentence plus one call of the matching offered tool
 *   (finish 'tool_use'); with no matching tool, a text turn describing the action.
 * - A request that offers no tools (title/summary side calls) always gets plain text.
 * - Past the end of the script: the script's last `say`, or a short closing line.
 * - A tool action with `on_error` whose result was a failure branches into those actions,
 *   then the script goes on after the action. Without `on_error` a failure moves on, so a
 *   failing tool never loops.
 * - `think_ms` and `tokens` of the action carry into the turn (a wait before the first token,
 *   and the length of its text).
 */
import type { CanonicalRequest, CanonicalTool, ToolResultPart } from '../canonical/form.ts';
import { lorem } from './lorem.ts';
import type { Rng } from './rng.ts';
import type { SimAction } from './script.ts';
import { countTextTokens } from '../canonical/tokens.ts';
import { describeAction, fillArgs, findWorkingDirectory, matchTool, type ToolAction } from './tools.ts';

/** Length of the filler answer to requests that offer no tools while the script wants one. */
export const SHORT_ANSWER_TOKENS = 12;

export type Turn =
  | { kind: 'text'; step: number; text: string; thinkMs?: number }
  | { kind: 'tool'; step: number; preamble: string; name: string; args: Record<string, unknown>; thinkMs?: number };

/** The step index: assistant messages already in the conversation. */
export function stepOf(req: Pick<CanonicalRequest, 'messages'>): number {
  let n = 0;
  for (const m of req.messages) if (m.role === 'assistant') n++;
  return n;
}

/** The tools the model may call given the request's tool choice. */
export function callableTools(req: Pick<CanonicalRequest, 'tools' | 'toolChoice'>): CanonicalTool[] {
  const choice = req.toolChoice;
  if (choice?.type === 'none') return [];
  if (choice?.type === 'tool') return req.tools.filter((t) => t.name === choice.name);
  return req.tools;
}

/** A sentence the model says before calling the tool. */
export function intentText(action: ToolAction): string {
  switch (action.action) {
    case 'bash':
      return `I'll run \`${oneLine(action.command)}\`.`;
    case 'write':
      return `I'll write ${action.path}.`;
    case 'read':
      return `Let me read ${action.path}.`;
    case 'edit':
      return `I'll edit ${action.path}.`;
  }
}

function oneLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 80 || s.includes('\n') ? line.slice(0, 80) + '…' : line;
}

function closingText(script: readonly SimAction[]): string {
  const last = script[script.length - 1];
  return last?.action === 'say' ? last.text : 'Done.';
}

export interface DecideContext {
  /** Tokens of the default answer (SimOptions.answerTokens). */
  answerTokens: number;
  /** Randomness for filler text (seeded from the request). */
  rng: Rng;
}

/** For each assistant message, the tool results that came back after it. */
export function toolResultsPerTurn(req: Pick<CanonicalRequest, 'messages'>): ToolResultPart[][] {
  const turns: ToolResultPart[][] = [];
  for (const m of req.messages) {
    if (m.role === 'assistant') turns.push([]);
    else for (const part of m.content) if (part.type === 'tool-result') turns.at(-1)?.push(part);
  }
  return turns;
}

/** Tool output that reads as a failure even when not flagged (OpenAI-dialect tools have no flag). */
const FAILURE_TEXT = /^\s*(?:<tool_use_error>|error\b)/i;

/** Whether the results of an action's tool call are a failure. */
export function isFailure(results: readonly ToolResultPart[], pattern: string | undefined): boolean {
  const extra = pattern ? new RegExp(pattern) : undefined;
  return results.some((r) => {
    if (r.isError) return true;
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    return FAILURE_TEXT.test(text) || (extra?.test(text) ?? false);
  });
}

/**
 * The action for the next turn: replays the script over the turns so far, entering an
 * action's `on_error` branch when its results were a failure. Undefined past the end.
 */
export function nextAction(script: readonly SimAction[], req: Pick<CanonicalRequest, 'messages'>): SimAction | undefined {
  const stack: Array<{ actions: readonly SimAction[]; index: number }> = [{ actions: script, index: 0 }];
  for (const results of toolResultsPerTurn(req)) {
    const frame = stack[stack.length - 1] as (typeof stack)[number];
    const action = frame.actions[frame.index];
    frame.index++;
    if (action && action.action !== 'say' && action.on_error?.length && isFailure(results, action.error_pattern)) {
      stack.push({ actions: action.on_error, index: 0 });
    }
    while (stack.length > 1) {
      const top = stack[stack.length - 1] as (typeof stack)[number];
      if (top.index < top.actions.length) break;
      stack.pop();
    }
  }
  const top = stack[stack.length - 1] as (typeof stack)[number];
  return top.actions[top.index];
}

/** `text` padded with filler to about `tokens` tokens (unchanged when already that long). */
function padTo(text: string, tokens: number | undefined, rng: Rng): string {
  if (tokens === undefined) return text;
  const have = countTextTokens(text);
  return have >= tokens ? text : `${text} ${lorem(tokens - have, rng)}`.trim();
}

export function decideTurn(req: CanonicalRequest, script: readonly SimAction[] | undefined, ctx: DecideContext): Turn {
  const step = stepOf(req);
  const steps: readonly SimAction[] =
    script && script.length > 0 ? script : [{ action: 'say', text: lorem(ctx.answerTokens, ctx.rng) }];
  const action = nextAction(steps, req);
  if (!action) return { kind: 'text', step, text: closingText(steps) };
  const think = action.think_ms ? { thinkMs: action.think_ms } : {};
  if (action.action === 'say') return { kind: 'text', step, text: padTo(action.text, action.tokens, ctx.rng), ...think };

  const tools = callableTools(req);
  if (tools.length === 0) return { kind: 'text', step, text: lorem(SHORT_ANSWER_TOKENS, ctx.rng) };
  const tool = matchTool(action, tools);
  if (!tool) {
    return { kind: 'text', step, text: `${describeAction(action)}: no matching tool is available, so I cannot do this step.`, ...think };
  }
  const args = fillArgs(action, tool, findWorkingDirectory(req));
  return { kind: 'tool', step, preamble: padTo(intentText(action), action.tokens, ctx.rng), name: tool.name, args, ...think };
}
