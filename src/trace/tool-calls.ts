/**
 * Tool calls as a runner's transcript tells them, with their times where the transcript has
 * them: Claude Code's stream-json (`tool_use` blocks in assistant messages, `tool_result`
 * blocks in the user messages that follow, each user message stamped with a `timestamp`) and
 * OpenCode's JSON events (`tool_use` events whose `part.state.time` has start and end).
 */
import { z } from 'zod';
import type { RunnerKind } from '../config/experiment-types.ts';
import { jsonLines } from '../experiment/runners/types.ts';

export interface ToolCall {
  /** The runner's id of the call (Claude `tool_use.id`, OpenCode `callID`). */
  id: string;
  name: string;
  /** The tool's arguments as the model gave them. */
  input: unknown;
  /** The tool's output text, when the transcript has it (may be large). */
  output: string | null;
  isError: boolean;
  /** Epoch ms the tool started, when the transcript says. */
  startMs: number | null;
  /** Epoch ms the tool ended (its result was recorded), when the transcript says. */
  endMs: number | null;
  /** Claude Code subagent calls name the Task call they run under. */
  parentToolId: string | null;
}

const ClaudeBlock = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  tool_use_id: z.string().optional(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
const ClaudeMessageEvent = z.looseObject({
  type: z.enum(['assistant', 'user']),
  message: z.looseObject({ content: z.union([z.array(ClaudeBlock), z.string()]).catch([]) }),
  parent_tool_use_id: z.string().nullable().optional(),
  timestamp: z.string().optional(),
});

/** A tool result's text: a string, or the text blocks of a content array. */
export function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((b) => (b && typeof b === 'object' && typeof (b as { text?: unknown }).text === 'string' ? (b as { text: string }).text : typeof b === 'string' ? b : JSON.stringify(b)))
      .join('\n');
  }
  return content === undefined || content === null ? '' : JSON.stringify(content);
}

/** A transcript as text, or its JSON lines already parsed (callers that also show it parse once). */
export type TranscriptInput = string | readonly Record<string, unknown>[];
const eventsOf = (t: TranscriptInput): readonly Record<string, unknown>[] => (typeof t === 'string' ? jsonLines(t) : t);

function epochOf(iso: string | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

export function claudeToolCalls(transcript: TranscriptInput): ToolCall[] {
  const calls = new Map<string, ToolCall>();
  for (const ev of eventsOf(transcript)) {
    const parsed = ClaudeMessageEvent.safeParse(ev);
    if (!parsed.success || typeof parsed.data.message.content === 'string') continue;
    const e = parsed.data;
    for (const block of e.message.content as z.infer<typeof ClaudeBlock>[]) {
      if (e.type === 'assistant' && block.type === 'tool_use' && block.id) {
        // one API response may repeat its blocks over several events; the first one counts
        if (calls.has(block.id)) continue;
        calls.set(block.id, { id: block.id, name: block.name ?? 'unknown', input: block.input ?? null, output: null, isError: false, startMs: null, endMs: null, parentToolId: e.parent_tool_use_id ?? null });
      } else if (e.type === 'user' && block.type === 'tool_result' && block.tool_use_id) {
        const call = calls.get(block.tool_use_id);
        if (!call) continue;
        call.output = resultText(block.content);
        call.isError = block.is_error === true;
        call.endMs = epochOf(e.timestamp);
      }
    }
  }
  return [...calls.values()];
}

const OpencodeToolEvent = z.looseObject({
  type: z.literal('tool_use'),
  part: z.looseObject({
    tool: z.string().optional(),
    callID: z.string().optional(),
    id: z.string().optional(),
    state: z
      .looseObject({
        status: z.string().optional(),
        input: z.unknown().optional(),
        output: z.unknown().optional(),
        error: z.unknown().optional(),
        time: z.looseObject({ start: z.number().optional(), end: z.number().optional() }).optional(),
      })
      .optional(),
  }),
});

export function opencodeToolCalls(transcript: TranscriptInput): ToolCall[] {
  const calls = new Map<string, ToolCall>();
  let n = 0;
  for (const ev of eventsOf(transcript)) {
    const parsed = OpencodeToolEvent.safeParse(ev);
    if (!parsed.success) continue;
    const p = parsed.data.part;
    const id = p.callID ?? p.id ?? `tool-${n++}`;
    const state = p.state ?? {};
    const output = state.output !== undefined ? resultText(state.output) : state.error !== undefined ? resultText(state.error) : null;
    calls.set(id, {
      id,
      name: p.tool ?? 'unknown',
      input: state.input ?? null,
      output,
      isError: state.status === 'error',
      startMs: state.time?.start ?? null,
      endMs: state.time?.end ?? null,
      parentToolId: null,
    });
  }
  return [...calls.values()];
}

/** The tool calls of a transcript of the given runner kind (none for plain commands). */
export function toolCallsOf(kind: RunnerKind | string, transcript: TranscriptInput): ToolCall[] {
  if (transcript.length === 0) return [];
  if (kind === 'claude') return claudeToolCalls(transcript);
  if (kind === 'opencode') return opencodeToolCalls(transcript);
  return [];
}
