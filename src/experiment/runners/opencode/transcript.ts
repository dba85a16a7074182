/**
 * Reads `opencode run --format json` output: one event per line, each with a `type`
 * (`step_start`, `text`, `tool_use`, `step_finish`, `error`), a `sessionID` and a `part`.
 * Each `step_finish` carries the step's tokens and cost; a step is one model call.
 */
import { z } from 'zod';
import { clip, emptyReport, jsonLines, type RunnerReport } from '../types.ts';

const n = z.number().nonnegative().catch(0);

const StepFinish = z.looseObject({
  type: z.literal('step_finish'),
  part: z.looseObject({
    cost: n.optional(),
    tokens: z
      .looseObject({
        input: n.optional(),
        output: n.optional(),
        reasoning: n.optional(),
        cache: z.looseObject({ read: n.optional(), write: n.optional() }).optional(),
      })
      .optional(),
  }),
});

const ToolUse = z.looseObject({ type: z.literal('tool_use'), part: z.looseObject({ tool: z.string().optional() }) });
const Text = z.looseObject({ type: z.literal('text'), part: z.looseObject({ text: z.string().optional() }) });
const ErrorEvent = z.looseObject({ type: z.literal('error'), error: z.unknown() });

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const o = e as { data?: { message?: unknown }; message?: unknown; name?: unknown };
    if (typeof o.data?.message === 'string') return o.data.message;
    if (typeof o.message === 'string') return o.message;
    if (typeof o.name === 'string') return o.name;
  }
  return JSON.stringify(e);
}

export function parseOpencodeTranscript(text: string): RunnerReport {
  const r = emptyReport();
  let cost = 0;
  let sawCost = false;
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  let sawUsage = false;
  let lastText: string | undefined;
  for (const ev of jsonLines(text)) {
    r.events++;
    if (typeof ev.sessionID === 'string') r.sessionId ??= ev.sessionID;
    const step = StepFinish.safeParse(ev);
    if (step.success) {
      r.turns++;
      const p = step.data.part;
      if (p.cost !== undefined) {
        cost += p.cost;
        sawCost = true;
      }
      if (p.tokens) {
        sawUsage = true;
        const read = p.tokens.cache?.read ?? 0;
        const write = p.tokens.cache?.write ?? 0;
        // opencode reports input without the cached part; normalised input is the whole prompt
        usage.input += (p.tokens.input ?? 0) + read + write;
        usage.output += (p.tokens.output ?? 0) + (p.tokens.reasoning ?? 0);
        usage.reasoning += p.tokens.reasoning ?? 0;
        usage.cacheRead += read;
        usage.cacheWrite += write;
      }
      continue;
    }
    const tool = ToolUse.safeParse(ev);
    if (tool.success) {
      r.toolCalls++;
      const name = tool.data.part.tool ?? 'unknown';
      r.tools[name] = (r.tools[name] ?? 0) + 1;
      continue;
    }
    const t = Text.safeParse(ev);
    if (t.success) {
      if (t.data.part.text) lastText = t.data.part.text;
      continue;
    }
    const err = ErrorEvent.safeParse(ev);
    if (err.success) {
      r.isError = true;
      r.errorMessage = clip(errorText(err.data.error));
    }
  }
  if (sawCost) r.costUsd = cost;
  if (sawUsage) r.usage = usage;
  if (lastText !== undefined) r.result = clip(lastText);
  return r;
}
