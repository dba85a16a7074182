/**
 * Anthropic Messages request body → CanonicalRequest.
 * Things the canonical form cannot carry (Anthropic server tools such as web_search or bash,
 * unknown block types) are dropped and reported through `warn`.
 */
import { extname } from 'node:path';
import { z } from 'zod';
import { ProxyError } from '../../../canonical/errors.ts';
import type {
  AssistantPart,
  CanonicalMessage,
  CanonicalRequest,
  CanonicalTool,
  ImagePart,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolResultPart,
  UserPart,
} from '../../../canonical/form.ts';
import {
  asMessagesRequest,
  BLOCK_GUARDS,
  imageBlock,
  messagesRequest,
  redactedThinkingBlock,
  textBlock,
  thinkingBlock,
  toolResultBlock,
  toolUseBlock,
  type MessagesRequest,
} from './anthropic-api.ts';
import { decodeCacheMark } from './cache-control.ts';
import { isShared, RepeatCache, share } from '../../../canonical/repeats.ts';

export interface DecodeOptions {
  /** Receives one message per thing dropped or changed on the way in. */
  warn?: (message: string) => void;
}

export function decodeAnthropicRequest(body: unknown, o: DecodeOptions = {}): CanonicalRequest {
  const b = asMessagesRequest(body) ?? parseWithSchema(body);
  const warn = o.warn ?? (() => {});
  const req: CanonicalRequest = {
    model: b.model,
    system: decodeSystem(b.system),
    messages: decodeMessages(b.messages, warn),
    tools: decodeTools(b.tools, warn),
    stream: b.stream ?? false,
    sourceDialect: 'anthropic',
    raw: body as Record<string, unknown>,
  };
  if (b.tool_choice) {
    req.toolChoice = decodeToolChoice(b.tool_choice);
    if (b.tool_choice.disable_parallel_tool_use !== undefined) {
      req.parallelToolCalls = !b.tool_choice.disable_parallel_tool_use;
    }
  }
  if (b.max_tokens !== undefined) req.maxTokens = b.max_tokens;
  if (b.temperature !== undefined) req.temperature = b.temperature;
  if (b.top_p !== undefined) req.topP = b.top_p;
  if (b.stop_sequences?.length) req.stopSequences = b.stop_sequences;
  const reasoning = decodeReasoning(b);
  if (reasoning) req.reasoning = reasoning;
  return req;
}

/** The schema's verdict on a body the guard refused: its message, or (should they ever disagree) its data. */
function parseWithSchema(body: unknown): MessagesRequest {
  const parsed = messagesRequest.safeParse(body);
  if (!parsed.success) {
    throw new ProxyError(`invalid request body: ${z.prettifyError(parsed.error)}`, {
      code: 'invalid_request_body',
      kind: 'invalid_request',
    });
  }
  return parsed.data;
}

/** System prompts seen lately (an agent resends the same one on every call): see canonical/repeats.ts. */
const recentSystems = new RepeatCache<TextPart[]>();

/**
 * The canonical system prompt: the same frozen, shared array for a system equal to a recent
 * request's, so the encoders keep its encoding (Claude Code's is ≈6 kB, in blocks the body
 * parser does not keep on their own: the first is under its 128-byte floor).
 */
function decodeSystem(system: MessagesRequest['system']): TextPart[] {
  if (system === undefined) return [];
  if (typeof system === 'string') return system ? [{ type: 'text', text: system }] : [];
  if (system.length === 0) return [];
  return recentSystems.get(system) ?? recentSystems.set(system, system.map((s) => withMark({ type: 'text', text: s.text }, s.cache_control)));
}

function decodeReasoning(b: MessagesRequest): CanonicalRequest['reasoning'] {
  const effort = b.output_config?.effort;
  const mappedEffort = effort === 'max' ? 'high' : effort;
  if (b.thinking?.type === 'enabled') {
    return {
      ...(b.thinking.budget_tokens !== undefined ? { budgetTokens: b.thinking.budget_tokens } : {}),
      ...(mappedEffort ? { effort: mappedEffort } : {}),
    };
  }
  // 'adaptive' lets the model choose its budget; carry the request without one.
  if (b.thinking?.type === 'adaptive') return mappedEffort ? { effort: mappedEffort } : {};
  return undefined;
}

function decodeToolChoice(tc: NonNullable<MessagesRequest['tool_choice']>): ToolChoice {
  switch (tc.type) {
    case 'any':
      return { type: 'required' };
    case 'none':
      return { type: 'none' };
    case 'tool':
      if (!tc.name) {
        throw new ProxyError('tool_choice.type "tool" needs a name', { code: 'invalid_tool_choice', kind: 'invalid_request' });
      }
      return { type: 'tool', name: tc.name };
    default:
      return { type: 'auto' };
  }
}

/** Tool definitions seen lately (an agent resends the same ones on every call): see canonical/repeats.ts. */
const recentTools = new RepeatCache<CanonicalTool[]>();

/**
 * The canonical tools of a request: the same frozen, shared array for tools equal to a recent
 * request's (so what is derived from them is kept too), decoded afresh otherwise. Tool lists
 * that warn (server tools dropped) are not kept, so every request that sends them warns.
 */
function decodeTools(tools: MessagesRequest['tools'], warn: (m: string) => void): CanonicalTool[] {
  if (!tools?.length) return [];
  const seen = recentTools.get(tools);
  if (seen) return seen;
  let warned = false;
  const decoded = decodeToolList(tools, (m) => {
    warned = true;
    warn(m);
  });
  return warned ? decoded : recentTools.set(tools, decoded);
}

function decodeToolList(tools: NonNullable<MessagesRequest['tools']>, warn: (m: string) => void): CanonicalTool[] {
  const out: CanonicalTool[] = [];
  for (const t of tools) {
    if (t.type !== undefined && t.type !== 'custom') {
      warn(`dropped Anthropic server tool "${t.name}" (type ${t.type}): no other backend runs it`);
      continue;
    }
    const tool: CanonicalTool = {
      name: t.name,
      parameters: t.input_schema ?? { type: 'object', properties: {} },
      ...(t.description ? { description: t.description } : {}),
    };
    out.push(withMark(tool, t.cache_control));
  }
  return out;
}

/** What one client message decoded to, and how it depends on the messages before it. */
interface DecodedMessage {
  /** Its canonical messages (an Anthropic user turn with tool results becomes a tool turn and a user turn). */
  readonly messages: readonly CanonicalMessage[];
  /** The tool calls it made (id, name): tool results after it take their names from them. */
  readonly calls: ReadonlyArray<readonly [string, string]>;
  /** The names its tool results took from earlier calls (id, name or undefined when none matched). */
  readonly names: ReadonlyArray<readonly [string, string | undefined]>;
}

/**
 * Messages an agent resends on every call (the conversation so far), decoded once: keyed by
 * the parsed message the body parser hands out again for the same bytes (canonical/repeats.ts
 * `isShared`), and used again only when the earlier tool calls give its tool results the same
 * names. Messages that warn are decoded every time, so each request warns.
 */
const decodedOfShared = new WeakMap<object, DecodedMessage>();

function decodeMessages(messages: MessagesRequest['messages'], warn: (m: string) => void): CanonicalMessage[] {
  const out: CanonicalMessage[] = [];
  // Tool results in Anthropic name no tool; Gemini's functionResponse needs the name.
  const toolNames = new Map<string, string>();
  for (const m of messages) {
    if (m.role === 'system') {
      // A mid-conversation system turn: no other dialect has one in that place, so it becomes
      // a system-reminder text in the user turn (merged with the user turn before it).
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
      const prev = out[out.length - 1];
      if (prev?.role === 'user') out[out.length - 1] = withSystemTurn(prev, m);
      else out.push(withSystemTurn(undefined, m));
      continue;
    }
    const reusable = isShared(m);
    const kept = reusable ? decodedOfShared.get(m) : undefined;
    const decoded = kept && kept.names.every(([id, name]) => toolNames.get(id) === name) ? kept : undefined;
    if (decoded) {
      for (const [id, name] of decoded.calls) toolNames.set(id, name);
      for (const c of decoded.messages) out.push(c);
      continue;
    }
    let warned = false;
    const fresh = decodeMessage(m, toolNames, (message) => {
      warned = true;
      warn(message);
    });
    for (const c of fresh.messages) out.push(c);
    if (reusable && !warned) {
      // Shared, so the encoders and the token counter keep what they derive from each message too.
      for (const c of fresh.messages) share(c);
      decodedOfShared.set(m, Object.freeze(fresh));
    }
  }
  return out;
}

/**
 * Mid-conversation system turns merged into the user turn before them (`prev`, or none), kept
 * when both are shared: Claude Code resends one after its first user message on every call, and
 * a fresh merge would make that turn new on every request (encoded, serialised and counted again).
 */
const mergedOfShared = new WeakMap<object, WeakMap<object, CanonicalMessage>>();
/** Stands for "no user turn before it" in mergedOfShared. */
const NO_TURN_BEFORE = {};

/**
 * A mid-conversation system turn (no other dialect has one in that place) as a system-reminder
 * text appended to the user turn before it, or in a user turn of its own. A copy: the turn
 * before may be a shared (frozen) decoded message.
 */
function withSystemTurn(prev: CanonicalMessage | undefined, m: MessagesRequest['messages'][number]): CanonicalMessage {
  const reusable = isShared(m) && (prev === undefined || isShared(prev));
  const byPrev = reusable ? mergedOfShared.get(prev ?? NO_TURN_BEFORE) : undefined;
  const kept = byPrev?.get(m);
  if (kept) return kept;
  const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
  const texts = blocks.filter((b) => b.type === 'text').map((b) => String((b as { text?: unknown }).text ?? ''));
  const part: TextPart = { type: 'text', text: `<system-reminder>\n${texts.join('\n')}\n</system-reminder>` };
  const merged: CanonicalMessage = prev ? { role: 'user', content: [...(prev.content as UserPart[]), part] } : { role: 'user', content: [part] };
  if (!reusable) return merged;
  let into = byPrev;
  if (!into) mergedOfShared.set(prev ?? NO_TURN_BEFORE, (into = new WeakMap()));
  into.set(m, share(merged));
  return merged;
}

/** One user or assistant message; adds its tool calls to `toolNames`. */
function decodeMessage(m: MessagesRequest['messages'][number], toolNames: Map<string, string>, warn: (m: string) => void): DecodedMessage {
  const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
  if (m.role === 'assistant') {
    const content: AssistantPart[] = [];
    const calls: Array<[string, string]> = [];
    for (const block of blocks) {
      const part = decodeAssistantBlock(block, warn);
      if (!part) continue;
      if (part.type === 'tool-call') {
        toolNames.set(part.id, part.name);
        calls.push([part.id, part.name]);
      }
      content.push(part);
    }
    return { messages: [{ role: 'assistant', content }], calls, names: [] };
  }
  const results: ToolResultPart[] = [];
  const rest: UserPart[] = [];
  const names: Array<[string, string | undefined]> = [];
  const nameOf = (id: string): string | undefined => {
    const name = toolNames.get(id);
    names.push([id, name]);
    return name;
  };
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      results.push(decodeToolResult(parseBlock(toolResultBlock, block), nameOf, warn));
      continue;
    }
    const part = decodeUserBlock(block, warn);
    if (part) rest.push(part);
  }
  const messages: CanonicalMessage[] = [];
  if (results.length) messages.push({ role: 'tool', content: results });
  if (rest.length || !results.length) messages.push({ role: 'user', content: rest });
  return { messages, calls: [], names };
}

type Block = { type: string; [k: string]: unknown };

function decodeUserBlock(block: Block, warn: (m: string) => void): TextPart | ImagePart | undefined {
  switch (block.type) {
    case 'text':
      return decodeText(block);
    case 'image':
      return decodeImage(block);
    default:
      warn(`dropped a "${block.type}" block from a user turn`);
      return undefined;
  }
}

function decodeAssistantBlock(block: Block, warn: (m: string) => void): AssistantPart | undefined {
  switch (block.type) {
    case 'text':
      return decodeText(block);
    case 'tool_use': {
      const b = parseBlock(toolUseBlock, block);
      return withMark({ type: 'tool-call', id: b.id, name: b.name, args: b.input ?? {} }, b.cache_control);
    }
    case 'thinking': {
      const b = parseBlock(thinkingBlock, block);
      return { type: 'reasoning', text: b.thinking, ...(b.signature ? { signature: b.signature } : {}) };
    }
    case 'redacted_thinking': {
      const b = parseBlock(redactedThinkingBlock, block);
      return { type: 'reasoning', text: '', redacted: b.data };
    }
    default:
      warn(`dropped a "${block.type}" block from an assistant turn`);
      return undefined;
  }
}

function decodeToolResult(
  b: z.infer<typeof toolResultBlock>,
  nameOf: (toolUseId: string) => string | undefined,
  warn: (m: string) => void,
): ToolResultPart {
  const content: Array<TextPart | ImagePart> = [];
  if (typeof b.content === 'string') content.push({ type: 'text', text: b.content });
  else for (const block of b.content ?? []) {
    const part = decodeUserBlock(block, warn);
    if (part) content.push(part);
  }
  const name = nameOf(b.tool_use_id);
  const part: ToolResultPart = {
    type: 'tool-result',
    toolCallId: b.tool_use_id,
    content,
    ...(name ? { name } : {}),
    ...(b.is_error ? { isError: true } : {}),
  };
  return withMark(part, b.cache_control);
}

function decodeText(block: Block): TextPart {
  const b = parseBlock(textBlock, block);
  return withMark({ type: 'text', text: b.text }, b.cache_control);
}

/** The part with the cache breakpoint its block's `cache_control` sets, if any. */
function withMark<T extends TextPart | ImagePart | ToolCallPart | ToolResultPart | CanonicalTool>(part: T, cacheControl: { ttl?: unknown } | null | undefined): T {
  const mark = decodeCacheMark(cacheControl);
  if (mark) part.cacheControl = mark;
  return part;
}

function decodeImage(block: Block): ImagePart {
  const { source, cache_control } = parseBlock(imageBlock, block);
  if (source.type === 'base64') return withMark({ type: 'image', mediaType: source.media_type, data: source.data }, cache_control);
  return withMark({ type: 'image', mediaType: mediaTypeOfUrl(source.url), url: source.url }, cache_control);
}

const MEDIA_TYPE_OF_EXT: Record<string, string> = { '.png': 'image/png', '.gif': 'image/gif', '.webp': 'image/webp' };

/** Anthropic URL images carry no media type; guess it from the path (Gemini's fileData needs one). */
function mediaTypeOfUrl(url: string): string {
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // not absolute: use as is
  }
  return MEDIA_TYPE_OF_EXT[extname(pathname).toLowerCase()] ?? 'image/jpeg';
}

/**
 * A block checked against its schema: by the hand-written guard of the same check (the block
 * itself when it passes), by zod for the message of one that does not.
 */
function parseBlock<T extends z.ZodType>(schema: T, block: Block): z.infer<T> {
  const guard = (BLOCK_GUARDS as Record<string, ((v: unknown) => boolean) | undefined>)[block.type];
  if (guard?.(block)) return block as z.infer<T>;
  const r = schema.safeParse(block);
  if (!r.success) {
    throw new ProxyError(`invalid "${block.type}" block: ${z.prettifyError(r.error)}`, {
      code: 'invalid_request_body',
      kind: 'invalid_request',
    });
  }
  return r.data;
}
