/**
 * A runner's transcript as the cell page shows it: a list of entries (the agent's text, each
 * tool call with its input and result, the final result), with large payloads cut to a
 * preview and their full size noted. Understands Claude Code's stream-json and OpenCode's JSON
 * events; any other JSON-lines transcript is shown event by event. Lines are read once, by the
 * runners' own `jsonLines`; tool calls are src/trace's reading of them (the same the timeline
 * uses), so the list and the timeline cannot disagree about a call.
 */
import { jsonLines } from '../experiment/runners/types.ts';
import { resultText, toolCallsOf, type ToolCall } from '../trace/tool-calls.ts';

/** Characters of a payload kept in a preview. */
export const PREVIEW_CHARS = 2000;

export interface Payload {
  text: string;
  /** Size of the whole payload in bytes (UTF-8). */
  bytes: number;
  cut: boolean;
}

export interface TranscriptEntry {
  kind: 'system' | 'text' | 'tool' | 'result' | 'event';
  title: string;
  text?: Payload;
  input?: Payload;
  output?: Payload;
  isError?: boolean;
  durationMs?: number;
}

export function payload(value: unknown, limit = PREVIEW_CHARS): Payload {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2) ?? '';
  const bytes = Buffer.byteLength(text, 'utf8');
  return text.length > limit ? { text: text.slice(0, limit), bytes, cut: true } : { text, bytes, cut: false };
}

type Json = Record<string, unknown>;
const obj = (x: unknown): Json => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Json) : {});
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

const toolEntry = (c: ToolCall): TranscriptEntry => ({
  kind: 'tool',
  title: c.name,
  input: payload(c.input ?? {}),
  ...(c.output !== null ? { output: payload(c.output) } : {}),
  isError: c.isError,
  ...(c.startMs !== null && c.endMs !== null ? { durationMs: c.endMs - c.startMs } : {}),
});

/** Claude Code stream-json: text and thinking blocks in order, each tool call (from src/trace) where the model asked for it. */
function fromClaude(events: Json[], calls: ReadonlyMap<string, ToolCall>): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  const shown = new Set<string>();
  for (const e of events) {
    const type = str(e.type);
    if (type === 'system') {
      const tools = Array.isArray(e.tools) ? e.tools.length : 0;
      out.push({ kind: 'system', title: `${str(e.subtype) ?? 'system'}${str(e.model) ? ` · model ${str(e.model)}` : ''}${tools ? ` · ${tools} tools` : ''}` });
    } else if (type === 'assistant' || type === 'user') {
      const content = obj(e.message).content;
      for (const block of Array.isArray(content) ? content : [{ type: 'text', text: content }]) {
        const b = obj(block);
        const id = str(b.type === 'tool_use' ? b.id : b.tool_use_id) ?? '';
        const call = calls.get(id);
        if (b.type === 'text' && str(b.text)) out.push({ kind: 'text', title: type, text: payload(b.text) });
        else if (b.type === 'thinking') out.push({ kind: 'text', title: 'thinking', text: payload(b.thinking) });
        else if (b.type === 'tool_use') {
          // a response may repeat its blocks over several events: the call is shown once
          if (call && !shown.has(id)) out.push(toolEntry(call));
          else if (!call) out.push({ kind: 'tool', title: str(b.name) ?? 'tool', input: payload(b.input) });
          shown.add(id);
        } else if (b.type === 'tool_result' && !call) {
          out.push({ kind: 'tool', title: 'tool result', output: payload(resultText(b.content)), isError: b.is_error === true });
        }
      }
    } else if (type === 'result') {
      out.push({
        kind: 'result',
        title: `${str(e.subtype) ?? 'result'}${typeof e.num_turns === 'number' ? ` · ${e.num_turns} turns` : ''}`,
        text: payload(e.result ?? ''),
        isError: e.is_error === true,
        ...(typeof e.duration_ms === 'number' ? { durationMs: e.duration_ms } : {}),
      });
    }
  }
  return out;
}

/** OpenCode JSON events: text parts, each tool call (from src/trace) at its first event, errors. */
function fromOpencode(events: Json[], calls: ReadonlyMap<string, ToolCall>): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  const shown = new Set<string>();
  for (const e of events) {
    const part = obj(e.part);
    const type = str(e.type);
    if (type === 'text' && str(part.text)) out.push({ kind: 'text', title: 'assistant', text: payload(part.text) });
    else if (type === 'tool_use' || part.type === 'tool') {
      const id = str(part.callID) ?? str(part.id) ?? '';
      const call = calls.get(id);
      if (call && !shown.has(id)) out.push(toolEntry(call));
      else if (!call) {
        const state = obj(part.state);
        out.push({ kind: 'tool', title: str(part.tool) ?? 'tool', input: payload(state.input ?? {}), output: payload(state.output ?? state.error ?? ''), isError: state.status === 'error' });
      }
      shown.add(id);
    } else if (type === 'error') out.push({ kind: 'result', title: 'error', text: payload(e.error ?? e), isError: true });
  }
  return out;
}

function generic(events: Json[]): TranscriptEntry[] {
  return events.map((e) => ({ kind: 'event', title: str(e.type) ?? str(e.event) ?? 'event', text: payload(e, 600) }));
}

export interface ParsedTranscript {
  /** What the cell page lists. */
  entries: TranscriptEntry[];
  /** The tool calls (src/trace's reading), for the cell's timeline: the same parse. */
  toolCalls: ToolCall[];
  /** The dialect the transcript was read as. */
  kind: 'claude' | 'opencode' | 'other';
}

/**
 * Parses a transcript's JSON lines once (non-JSON lines are skipped): the tool calls as
 * src/trace reads them (ids, inputs, results, times) and the entries shown, built around them.
 * The dialect follows the runner kind, else the events' shape.
 */
export function readTranscript(text: string, runnerKind?: string): ParsedTranscript {
  const events: Json[] = jsonLines(text);
  const kind = runnerKind === 'claude' || events.some((e) => e.type === 'system' && typeof e.session_id === 'string') ? 'claude'
    : runnerKind === 'opencode' || events.some((e) => typeof e.sessionID === 'string' && typeof e.part === 'object') ? 'opencode'
    : 'other';
  if (kind === 'other') return { entries: generic(events), toolCalls: [], kind };
  const toolCalls = toolCallsOf(kind, events);
  const byId = new Map(toolCalls.map((c) => [c.id, c]));
  return { entries: kind === 'claude' ? fromClaude(events, byId) : fromOpencode(events, byId), toolCalls, kind };
}
