/**
 * Wire schemas of the Anthropic Messages API (loose: unknown fields pass, unknown block
 * types are handled by the decoders, not rejected here). Types come from the schemas.
 */
import { z } from 'zod';

const cacheControl = z.object({ type: z.string(), ttl: z.string().optional() }).loose().nullish();

export const textBlock = z.object({ type: z.literal('text'), text: z.string(), cache_control: cacheControl }).loose();

export const imageBlock = z
  .object({
    type: z.literal('image'),
    source: z.union([
      z.object({ type: z.literal('base64'), media_type: z.string(), data: z.string() }).loose(),
      z.object({ type: z.literal('url'), url: z.string() }).loose(),
    ]),
    cache_control: cacheControl,
  })
  .loose();

export const toolUseBlock = z
  .object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown().optional(), cache_control: cacheControl })
  .loose();

export const toolResultBlock = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string(),
    /** A string or blocks (text, image; other types are dropped with a warning). */
    content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose())]).optional(),
    is_error: z.boolean().optional(),
    cache_control: cacheControl,
  })
  .loose();

export const thinkingBlock = z
  .object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() })
  .loose();

export const redactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() }).loose();

/** Any block: decoders dispatch on `type` and parse with the specific schema above. */
export const anyBlock = z.object({ type: z.string() }).loose();

export const messageParam = z
  .object({
    /** Claude Code ≥ 2.1 also sends mid-conversation `system` turns (beta mid-conversation-system). */
    role: z.enum(['user', 'assistant', 'system']),
    content: z.union([z.string(), z.array(anyBlock)]),
  })
  .loose();

export const toolParam = z
  .object({
    /** Absent or 'custom' for client tools; anything else is an Anthropic server tool. */
    type: z.string().optional(),
    name: z.string(),
    description: z.string().optional(),
    input_schema: z.record(z.string(), z.unknown()).optional(),
    cache_control: cacheControl,
  })
  .loose();

export const toolChoiceParam = z
  .object({
    type: z.enum(['auto', 'any', 'tool', 'none']),
    name: z.string().optional(),
    disable_parallel_tool_use: z.boolean().optional(),
  })
  .loose();

export const messagesRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(messageParam),
    system: z.union([z.string(), z.array(textBlock)]).optional(),
    /** Required by Anthropic for /v1/messages; absent on /v1/messages/count_tokens. */
    max_tokens: z.number().int().positive().optional(),
    tools: z.array(toolParam).optional(),
    tool_choice: toolChoiceParam.optional(),
    stop_sequences: z.array(z.string()).optional(),
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    top_k: z.number().optional(),
    stream: z.boolean().optional(),
    thinking: z
      .object({ type: z.string(), budget_tokens: z.number().int().optional() })
      .loose()
      .optional(),
    output_config: z
      .object({ effort: z.enum(['low', 'medium', 'high', 'max']).optional() })
      .loose()
      .optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type MessagesRequest = z.infer<typeof messagesRequest>;

/*
 * A hand-written twin of `messagesRequest` for the translated hot path: zod's safeParse copies
 * every object it checks, and on a Claude Code request (≈120 kB, hundreds of blocks) that copy
 * measured as the largest part of decoding it. The guard accepts exactly what the schema
 * accepts (test/protocols/anthropic-messages/request-guard.test.ts compares them on generated
 * values) and returns the body itself; the decoder falls back to the schema for the message
 * of a body it refuses.
 */
type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || check(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): boolean => isNumber(v) && Number.isSafeInteger(v);
const isCacheControl = (v: unknown): boolean => v === undefined || v === null || (isObject(v) && isString(v.type) && optional(v.ttl, isString));
const isTextBlock = (v: unknown): boolean => isObject(v) && v.type === 'text' && isString(v.text) && isCacheControl(v.cache_control);
const isAnyBlock = (v: unknown): boolean => isObject(v) && isString(v.type);
const MESSAGE_ROLES: ReadonlySet<unknown> = new Set(['user', 'assistant', 'system']);
const TOOL_CHOICES: ReadonlySet<unknown> = new Set(['auto', 'any', 'tool', 'none']);
const EFFORTS: ReadonlySet<unknown> = new Set(['low', 'medium', 'high', 'max']);

function isMessage(v: unknown): boolean {
  return isObject(v) && MESSAGE_ROLES.has(v.role) && (isString(v.content) || (Array.isArray(v.content) && v.content.every(isAnyBlock)));
}

function isTool(v: unknown): boolean {
  return (
    isObject(v) &&
    optional(v.type, isString) &&
    isString(v.name) &&
    optional(v.description, isString) &&
    optional(v.input_schema, isObject) &&
    isCacheControl(v.cache_control)
  );
}

const isObjectOfType = (v: unknown): boolean => isObject(v) && isString(v.type);
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';

/**
 * The block schemas' checks without zod (each accepts exactly what its schema accepts:
 * test/protocols/anthropic-messages/request-guard.test.ts): the decoder checks every block of
 * every turn, hundreds in a coding session's request, and zod copied each one.
 */
export const BLOCK_GUARDS = {
  text: isTextBlock,
  tool_use: (v: unknown): boolean => isObject(v) && v.type === 'tool_use' && isString(v.id) && isString(v.name) && isCacheControl(v.cache_control),
  tool_result: (v: unknown): boolean =>
    isObject(v) &&
    v.type === 'tool_result' &&
    isString(v.tool_use_id) &&
    optional(v.content, (c) => isString(c) || (Array.isArray(c) && c.every(isObjectOfType))) &&
    optional(v.is_error, isBoolean) &&
    isCacheControl(v.cache_control),
  thinking: (v: unknown): boolean => isObject(v) && v.type === 'thinking' && isString(v.thinking) && optional(v.signature, isString),
  redacted_thinking: (v: unknown): boolean => isObject(v) && v.type === 'redacted_thinking' && isString(v.data),
  image: (v: unknown): boolean =>
    isObject(v) &&
    v.type === 'image' &&
    isObject(v.source) &&
    ((v.source.type === 'base64' && isString(v.source.media_type) && isString(v.source.data)) || (v.source.type === 'url' && isString(v.source.url))) &&
    isCacheControl(v.cache_control),
} as const;

/** `messagesRequest`'s check without zod: the body itself when it passes. */
export function asMessagesRequest(v: unknown): MessagesRequest | undefined {
  if (!isObject(v)) return undefined;
  const ok =
    isString(v.model) &&
    v.model.length >= 1 &&
    Array.isArray(v.messages) &&
    v.messages.every(isMessage) &&
    optional(v.system, (s) => isString(s) || (Array.isArray(s) && s.every(isTextBlock))) &&
    optional(v.max_tokens, (n) => isInt(n) && (n as number) > 0) &&
    optional(v.tools, (t) => Array.isArray(t) && t.every(isTool)) &&
    optional(v.tool_choice, (c) => isObject(c) && TOOL_CHOICES.has(c.type) && optional(c.name, isString) && optional(c.disable_parallel_tool_use, (b) => typeof b === 'boolean')) &&
    optional(v.stop_sequences, (s) => Array.isArray(s) && s.every(isString)) &&
    optional(v.temperature, isNumber) &&
    optional(v.top_p, isNumber) &&
    optional(v.top_k, isNumber) &&
    optional(v.stream, (b) => typeof b === 'boolean') &&
    optional(v.thinking, (t) => isObject(t) && isString(t.type) && optional(t.budget_tokens, isInt)) &&
    optional(v.output_config, (o) => isObject(o) && optional(o.effort, (e) => EFFORTS.has(e))) &&
    optional(v.metadata, isObject);
  return ok ? (v as MessagesRequest) : undefined;
}

export const anthropicUsage = z
  .object({
    input_tokens: z.number().nullish(),
    output_tokens: z.number().nullish(),
    cache_creation_input_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
    /** The write split by TTL (Anthropic reports it since the 1-hour TTL exists). */
    cache_creation: z
      .object({ ephemeral_5m_input_tokens: z.number().nullish(), ephemeral_1h_input_tokens: z.number().nullish() })
      .loose()
      .nullish(),
  })
  .loose();
export type AnthropicUsage = z.infer<typeof anthropicUsage>;

export const messagesResponse = z
  .object({
    id: z.string(),
    type: z.literal('message').optional(),
    role: z.literal('assistant').optional(),
    model: z.string().optional(),
    content: z.array(anyBlock),
    stop_reason: z.string().nullish(),
    stop_sequence: z.string().nullish(),
    usage: anthropicUsage.optional(),
  })
  .loose();
export type MessagesResponse = z.infer<typeof messagesResponse>;

export const errorPayload = z
  .object({ type: z.literal('error').optional(), error: z.object({ type: z.string(), message: z.string() }).loose() })
  .loose();

/** Stream events, one schema per `type`; the `data` of each SSE frame carries the same type. */
export const streamEvent = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('message_start'),
      message: z.object({ id: z.string(), model: z.string().optional(), usage: anthropicUsage.optional() }).loose(),
    })
    .loose(),
  z.object({ type: z.literal('content_block_start'), index: z.number().int(), content_block: anyBlock }).loose(),
  z
    .object({
      type: z.literal('content_block_delta'),
      index: z.number().int(),
      delta: z.object({ type: z.string() }).loose(),
    })
    .loose(),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int() }).loose(),
  z
    .object({
      type: z.literal('message_delta'),
      delta: z.object({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }).loose(),
      usage: anthropicUsage.optional(),
    })
    .loose(),
  z.object({ type: z.literal('message_stop') }).loose(),
  z.object({ type: z.literal('ping') }).loose(),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }).loose() }).loose(),
]);
export type StreamEvent = z.infer<typeof streamEvent>;

export const countTokensResponse = z.object({ input_tokens: z.number() }).loose();
