/**
 * A runner's transcript as the cell page shows it: a list of entries (the agent's text, each
 * tool call with its input and result, the final result), with large payloads cut to a
 * preview and their full size noted. Understands Claude Code's stream-json and OpenCode's JSON
 * events; any other JSON-lines transcript is shown event by event. Lines are read by the
 * runners' own `jsonLines`, results by src/trace's `resultText`.
 */
import { jsonLines } from '../experiment/runners/types.ts';
import { resultText } from '../trace/tool-calls.ts';

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

function fromClaude(events: Json[]): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  const tools = new Map<string, TranscriptEntry>();
  for (const e of events) {
    const type = str(e.type);
    if (type === 'system') {
      const tools = Array.isArray(e.tools) ? e.tools.length : 0;
      out.push({ kind: 'system', title: `${str(e.subtype) ?? 'system'}${str(e.model) ? ` · model ${str(e.model)}` : ''}${tools ? ` · ${tools} tools` : ''}` });
    } else if (type === 'assistant' || type === 'user') {
      const content = obj(e.message).content;
      for (const block of Array.isArray(content) ? content : [{ type: 'text', text: content }]) {
        const b = obj(block);
        if (b.type === 'text' && str(b.text)) out.push({ kind: 'text', title: type, text: payload(b.text) });
        else if (b.type === 'thinking') out.push({ kind: 'text', title: 'thinking', text: payload(b.thinking) });
        else if (b.type === 'tool_use') {
          const entry: TranscriptEntry = { kind: 'tool', title: str(b.name) ?? 'tool', input: payload(b.input) };
          out.push(entry);
          if (str(b.id)) tools.set(str(b.id) as string, entry);
        } else if (b.type === 'tool_result') {
          const entry = tools.get(str(b.tool_use_id) ?? '');
          const result = payload(resultText(b.content));
          if (entry) {
            entry.output = result;
            entry.isError = b.is_error === true;
          } else out.push({ kind: 'tool', title: 'tool result', output: result, isError: b.is_error === true });
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

function fromOpencode(events: Json[]): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  for (const e of events) {
    const part = obj(e.part);
    const type = str(e.type);
    if (type === 'text' && str(part.text)) out.push({ kind: 'text', title: 'assistant', text: payload(part.text) });
    else if (type === 'tool_use' || part.type === 'tool') {
      const state = obj(part.state);
      const time = obj(state.time);
      const duration = typeof time.start === 'number' && typeof time.end === 'number' ? time.end - time.start : undefined;
      out.push({
        kind: 'tool',
        title: str(part.tool) ?? 'tool',
        input: payload(state.input ?? {}),
        output: payload(state.output ?? state.error ?? ''),
        isError: state.status === 'error',
        ...(duration !== undefined ? { durationMs: duration } : {}),
      });
    } else if (type === 'error') out.push({ kind: 'result', title: 'error', text: payload(e.error ?? e), isError: true });
  }
  return out;
}

function generic(events: Json[]): TranscriptEntry[] {
  return events.map((e) => ({ kind: 'event', title: str(e.type) ?? str(e.event) ?? 'event', text: payload(e, 600) }));
}

/** Parses JSON lines (non-JSON lines are skipped) and normalises them for display. */
export function transcriptEntries(text: string, runnerKind?: string): TranscriptEntry[] {
  const events: Json[] = jsonLines(text);
  const looksClaude = runnerKind === 'claude' || events.some((e) => e.type === 'system' && typeof e.session_id === 'string');
  const looksOpencode = runnerKind === 'opencode' || events.some((e) => typeof e.sessionID === 'string' && typeof e.part === 'object');
  if (looksClaude) return fromClaude(events);
  if (looksOpencode) return fromOpencode(events);
  return generic(events);
}
