/**
 * Reads `gemini -p … --output-format stream-json` output: one event per line — `init` (session
 * id, model), `message` (user or assistant text, assistant text in deltas), `tool_use`
 * (tool_name, tool_id), `tool_result`, `error` (a warning or a failure, by `severity`) and a
 * final `result` with `status` and the session's token stats.
 *
 * Gemini CLI counts tokens Gemini's way: `input_tokens` (promptTokenCount) includes `cached`,
 * and `output_tokens` are the candidates only; `total_tokens` adds the thoughts (and any
 * tool-use prompt tokens), so thoughts = total − input − output, counted as reasoning and
 * added to output to match the normalised convention. Model calls are not reported: `turns`
 * counts model responses as stretches of assistant text and tool calls between tool results.
 */
import { z } from 'zod';
import { clip, emptyReport, jsonLines, type RunnerReport } from '../types.ts';

const n = z.number().nonnegative().catch(0);

const Stats = z.looseObject({
  total_tokens: n.optional(),
  input_tokens: n.optional(),
  output_tokens: n.optional(),
  cached: n.optional(),
  duration_ms: n.optional(),
  models: z.record(z.string(), z.unknown()).optional(),
});
const Result = z.looseObject({
  type: z.literal('result'),
  status: z.string().optional(),
  error: z.looseObject({ message: z.string().optional() }).optional(),
  stats: Stats.optional(),
});
const ToolUse = z.looseObject({ type: z.literal('tool_use'), tool_name: z.string().optional() });
const Message = z.looseObject({ type: z.literal('message'), role: z.string().optional(), content: z.string().optional(), delta: z.boolean().optional() });
const ErrorEvent = z.looseObject({ type: z.literal('error'), severity: z.string().optional(), message: z.string().optional() });

export function parseGeminiTranscript(text: string): RunnerReport {
  const r = emptyReport();
  let inResponse = false;
  let answer = '';
  const responds = () => {
    if (!inResponse) {
      r.turns++;
      answer = '';
    }
    inResponse = true;
  };
  for (const ev of jsonLines(text)) {
    r.events++;
    if (ev.type === 'init') {
      if (typeof ev.session_id === 'string') r.sessionId ??= ev.session_id;
      if (typeof ev.model === 'string') r.model ??= ev.model;
      continue;
    }
    const tool = ToolUse.safeParse(ev);
    if (tool.success) {
      responds();
      r.toolCalls++;
      const name = tool.data.tool_name ?? 'unknown';
      r.tools[name] = (r.tools[name] ?? 0) + 1;
      continue;
    }
    if (ev.type === 'tool_result') {
      inResponse = false;
      continue;
    }
    const message = Message.safeParse(ev);
    if (message.success) {
      if (message.data.role === 'assistant') {
        responds();
        answer = message.data.delta ? answer + (message.data.content ?? '') : (message.data.content ?? '');
      } else inResponse = false;
      continue;
    }
    const error = ErrorEvent.safeParse(ev);
    if (error.success && error.data.severity !== 'warning') {
      r.isError = true;
      r.errorMessage = clip(error.data.message ?? 'gemini reported an error');
      continue;
    }
    const result = Result.safeParse(ev);
    if (result.success) {
      if (result.data.status !== 'success') {
        r.isError = true;
        r.errorMessage = clip(result.data.error?.message ?? `gemini finished with status ${result.data.status ?? 'unknown'}`);
      }
      const s = result.data.stats;
      if (s) {
        const input = s.input_tokens ?? 0;
        const candidates = s.output_tokens ?? 0;
        const thoughts = Math.max(0, (s.total_tokens ?? input + candidates) - input - candidates);
        r.usage = { input, output: candidates + thoughts, cacheRead: s.cached ?? 0, cacheWrite: 0, reasoning: thoughts };
        if (s.duration_ms !== undefined) r.durationMs = s.duration_ms;
      }
    }
  }
  if (answer) r.result = clip(answer);
  return r;
}
