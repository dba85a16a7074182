/**
 * Reads `codex exec --json` output: one event per line — `thread.started` (the session id),
 * `turn.started`, `item.started`/`item.completed` (an `agent_message`, `reasoning`,
 * `command_execution`, `file_change`, `mcp_tool_call`, `web_search`, …), `turn.completed` with
 * the usage of the turn, `turn.failed` and `error`. An `error` *item* is a warning Codex shows
 * the user (an unknown model's metadata, an ignored setting), not a failed run.
 *
 * Codex reports usage OpenAI's way: `input_tokens` includes `cached_input_tokens` and
 * `output_tokens` includes `reasoning_output_tokens`, the normalised convention already. It
 * does not report model calls: `turns` counts model responses as stretches of messages and
 * tool starts between tool results (parallel calls of one response count once).
 */
import { z } from 'zod';
import { clip, emptyReport, jsonLines, type RunnerReport } from '../types.ts';

const n = z.number().nonnegative().catch(0);

const TurnCompleted = z.looseObject({
  type: z.literal('turn.completed'),
  usage: z
    .looseObject({
      input_tokens: n.optional(),
      cached_input_tokens: n.optional(),
      cache_write_input_tokens: n.optional(),
      output_tokens: n.optional(),
      reasoning_output_tokens: n.optional(),
    })
    .optional(),
});
const Item = z.looseObject({
  type: z.enum(['item.started', 'item.completed']),
  item: z.looseObject({ id: z.string().optional(), type: z.string(), text: z.string().optional(), server: z.string().optional(), tool: z.string().optional() }),
});
const TurnFailed = z.looseObject({ type: z.literal('turn.failed'), error: z.looseObject({ message: z.string().optional() }).optional() });
/** A top-level `error` is what Codex tells the user (also "Reconnecting…" before a retry that succeeds): a failure only with a failed turn. */
const ErrorEvent = z.looseObject({ type: z.literal('error'), message: z.string().optional() });

/** A tool item's name in the report, in the words Codex's own tools use. */
function toolName(item: z.infer<typeof Item>['item']): string | undefined {
  switch (item.type) {
    case 'command_execution':
      return 'shell';
    case 'file_change':
      return 'apply_patch';
    case 'web_search':
      return 'web_search';
    case 'mcp_tool_call':
      return `mcp:${item.server ?? '?'}/${item.tool ?? '?'}`;
    default:
      return undefined;
  }
}

export function parseCodexTranscript(text: string): RunnerReport {
  const r = emptyReport();
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  let sawUsage = false;
  let lastText: string | undefined;
  /** A model response is being read (messages and tool starts since the last tool result). */
  let inResponse = false;
  const startedTools = new Set<string>();
  let lastError: string | undefined;
  const responds = () => {
    if (!inResponse) r.turns++;
    inResponse = true;
  };
  for (const ev of jsonLines(text)) {
    r.events++;
    if (ev.type === 'thread.started' && typeof ev.thread_id === 'string') r.sessionId ??= ev.thread_id;
    const done = TurnCompleted.safeParse(ev);
    if (done.success) {
      inResponse = false;
      const u = done.data.usage;
      if (u) {
        sawUsage = true;
        usage.input += u.input_tokens ?? 0;
        usage.cacheRead += u.cached_input_tokens ?? 0;
        usage.cacheWrite += u.cache_write_input_tokens ?? 0;
        usage.output += u.output_tokens ?? 0;
        usage.reasoning += u.reasoning_output_tokens ?? 0;
      }
      continue;
    }
    const item = Item.safeParse(ev);
    if (item.success) {
      const it = item.data.item;
      const tool = toolName(it);
      const started = item.data.type === 'item.started';
      if (tool && started) {
        responds();
        if (it.id) startedTools.add(it.id);
      } else if (tool) {
        // a call reported only when done (no item.started) was still made by a response
        if (!it.id || !startedTools.has(it.id)) responds();
        inResponse = false;
        r.toolCalls++;
        r.tools[tool] = (r.tools[tool] ?? 0) + 1;
      } else if (!started && (it.type === 'agent_message' || it.type === 'reasoning')) {
        responds();
        if (it.type === 'agent_message' && it.text !== undefined) lastText = it.text;
      }
      continue;
    }
    const failed = TurnFailed.safeParse(ev);
    if (failed.success) {
      inResponse = false;
      r.isError = true;
      r.errorMessage = clip(failed.data.error?.message ?? lastError ?? 'codex reported a failed turn');
      continue;
    }
    const error = ErrorEvent.safeParse(ev);
    if (error.success && error.data.message) lastError = error.data.message;
  }
  if (sawUsage) r.usage = usage;
  // no turn finished: the run ended on an error (Codex exits non-zero), say which
  if (!sawUsage && !r.isError && lastError) r.errorMessage = clip(lastError);
  if (lastText !== undefined) r.result = clip(lastText);
  return r;
}
