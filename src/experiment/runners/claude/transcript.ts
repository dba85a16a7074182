/**
 * Reads Claude Code's `--output-format stream-json --verbose` transcript: `system/init`,
 * then `assistant` and `user` messages, then one `result` event with its own totals.
 */
import { z } from 'zod';
import { clip, emptyReport, jsonLines, type RunnerReport } from '../types.ts';

const num = z.number().nonnegative().catch(0);

const ResultEvent = z.looseObject({
  type: z.literal('result'),
  subtype: z.string().optional(),
  is_error: z.boolean().optional(),
  num_turns: z.number().optional(),
  duration_ms: z.number().optional(),
  total_cost_usd: z.number().optional(),
  result: z.string().optional(),
  session_id: z.string().optional(),
  usage: z
    .looseObject({
      input_tokens: num.optional(),
      output_tokens: num.optional(),
      cache_read_input_tokens: num.optional(),
      cache_creation_input_tokens: num.optional(),
    })
    .optional(),
});

const AssistantEvent = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({
    model: z.string().optional(),
    content: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })).catch([]),
  }),
});

const InitEvent = z.looseObject({ type: z.literal('system'), subtype: z.literal('init'), session_id: z.string().optional(), model: z.string().optional() });

export function parseClaudeTranscript(text: string): RunnerReport {
  const r = emptyReport();
  const assistantIds = new Set<string>();
  for (const ev of jsonLines(text)) {
    r.events++;
    const init = InitEvent.safeParse(ev);
    if (init.success) {
      r.sessionId ??= init.data.session_id;
      r.model ??= init.data.model;
      continue;
    }
    const a = AssistantEvent.safeParse(ev);
    if (a.success) {
      // one API response may be split over several assistant events (one per content block)
      const id = (ev.message as { id?: unknown }).id;
      if (typeof id === 'string') assistantIds.add(id);
      else r.turns++;
      for (const block of a.data.message.content) {
        if (block.type !== 'tool_use') continue;
        r.toolCalls++;
        const name = block.name ?? 'unknown';
        r.tools[name] = (r.tools[name] ?? 0) + 1;
      }
      continue;
    }
    const res = ResultEvent.safeParse(ev);
    if (res.success) {
      const d = res.data;
      r.isError = d.is_error === true || (d.subtype !== undefined && d.subtype !== 'success');
      if (r.isError) r.errorMessage = clip(d.result ?? d.subtype ?? 'error');
      r.durationMs = d.duration_ms;
      r.costUsd = d.total_cost_usd;
      r.sessionId = d.session_id ?? r.sessionId;
      if (d.result !== undefined) r.result = clip(d.result);
      if (d.usage) {
        const cacheRead = d.usage.cache_read_input_tokens ?? 0;
        const cacheWrite = d.usage.cache_creation_input_tokens ?? 0;
        // Anthropic input_tokens excludes cache reads and writes; normalised input is the whole prompt
        r.usage = { input: (d.usage.input_tokens ?? 0) + cacheRead + cacheWrite, output: d.usage.output_tokens ?? 0, cacheRead, cacheWrite, reasoning: 0 };
      }
      if (d.num_turns !== undefined) r.turns = Math.max(r.turns, d.num_turns);
    }
  }
  r.turns = Math.max(r.turns, assistantIds.size);
  return r;
}
