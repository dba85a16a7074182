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
