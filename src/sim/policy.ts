/**
 * Decides what the simulated model does on this turn. Stateless, like a real model: the
 * client resends the whole history, so the step is the number of assistant messages so far.
 *
 * - `say` actions give a text-only turn that ends the conversation (finish 'stop').
 * - Tool actions give a short sentence plus one call of the matching offered tool
 *   (finish 'tool_use'); with no matching tool, a text turn describing the action.
 * - A request that offers no tools (title/summary side calls) always gets plain text.
 * - Past the end of the script: the script's last `say`, or a short closing line.
 * Tool results flagged as errors do not change the step, so a failing tool never loops.
 */
import type { CanonicalRequest, CanonicalTool } from '../canonical/form.ts';
import { lorem } from './lorem.ts';
import type { Rng } from './rng.ts';
import type { SimAction } from './script.ts';
import { describeAction, fillArgs, findWorkingDirectory, matchTool, type ToolAction } from './tools.ts';

/** Length of the filler answer to requests that offer no tools while the script wants one. */
export const SHORT_ANSWER_TOKENS = 12;

export type Turn =
  | { kind: 'text'; step: number; text: string }
  | { kind: 'tool'; step: number; preamble: string; name: string; args: Record<string, unknown> };

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

export function decideTurn(req: CanonicalRequest, script: readonly SimAction[] | undefined, ctx: DecideContext): Turn {
  const step = stepOf(req);
  const steps: readonly SimAction[] =
    script && script.length > 0 ? script : [{ action: 'say', text: lorem(ctx.answerTokens, ctx.rng) }];
  const action = steps[step];
  if (!action) return { kind: 'text', step, text: closingText(steps) };
  if (action.action === 'say') return { kind: 'text', step, text: action.text };

  const tools = callableTools(req);
  if (tools.length === 0) return { kind: 'text', step, text: lorem(SHORT_ANSWER_TOKENS, ctx.rng) };
  const tool = matchTool(action, tools);
  if (!tool) {
    return { kind: 'text', step, text: `${describeAction(action)}: no matching tool is available, so I cannot do this step.` };
  }
  const args = fillArgs(action, tool, findWorkingDirectory(req));
  return { kind: 'tool', step, preamble: intentText(action), name: tool.name, args };
}
