/**
 * Loose zod schemas of the OpenAI Chat Completions wire format: the request a client sends,
 * the response and stream chunks an upstream answers, and the error body. Loose (unknown
 * keys pass through) because clients and OpenAI-compatible servers add fields freely; only
 * what the translators read is checked.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------
// Request

export const TextContentPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

export const ImageContentPartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.string().optional() }),
});

/** Parts OpenAI defines that the canonical form cannot carry; listed so errors can name them. */
const UnsupportedContentPartSchema = z.looseObject({
  type: z.enum(['input_audio', 'file', 'refusal']),
});

export const UserContentPartSchema = z.discriminatedUnion('type', [
  TextContentPartSchema,
  ImageContentPartSchema,
  UnsupportedContentPartSchema,
]);

/** System/developer/tool messages take a string or text parts only. */
const TextOnlyContentSchema = z.union([z.string(), z.array(TextContentPartSchema)]);

export const RequestToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const AssistantContentPartSchema = z.discriminatedUnion('type', [
  TextContentPartSchema,
  z.looseObject({ type: z.literal('refusal'), refusal: z.string() }),
]);

export const ChatMessageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: TextOnlyContentSchema }),
  z.looseObject({ role: z.literal('developer'), content: TextOnlyContentSchema }),
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(UserContentPartSchema)]) }),
  z.looseObject({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(AssistantContentPartSchema)]).nullish(),
    tool_calls: z.array(RequestToolCallSchema).nullish(),
    /** Sent back by some clients of reasoning servers (DeepSeek, vLLM). */
    reasoning_content: z.string().nullish(),
  }),
  z.looseObject({ role: z.literal('tool'), tool_call_id: z.string(), content: TextOnlyContentSchema }),
]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const ToolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
]);

export const ChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessageSchema).min(1),
  tools: z.array(ToolSchema).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  reasoning_effort: z.string().nullish(),
  n: z.number().int().nullish(),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

// ---------------------------------------------------------------------------------------
// Usage, response, stream chunks

export const ChatUsageSchema = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});
export type ChatUsage = z.infer<typeof ChatUsageSchema>;

export const ChatResponseSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  created: z.number().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      message: z.looseObject({
        role: z.string().nullish(),
        content: z.string().nullish(),
        reasoning_content: z.string().nullish(),
        reasoning: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z
          .array(
            z.looseObject({
              id: z.string().nullish(),
              type: z.string().nullish(),
              function: z.looseObject({ name: z.string(), arguments: z.string().nullish() }),
            }),
          )
          .nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: ChatUsageSchema.nullish(),
});
export type ChatResponse = z.infer<typeof ChatResponseSchema>;

export const ChunkToolCallSchema = z.looseObject({
  index: z.number().nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});
export type ChunkToolCall = z.infer<typeof ChunkToolCallSchema>;

export const ChatChunkSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  created: z.number().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        delta: z
          .looseObject({
            role: z.string().nullish(),
            content: z.string().nullish(),
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            tool_calls: z.array(ChunkToolCallSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: ChatUsageSchema.nullish(),
});
export type ChatChunk = z.infer<typeof ChatChunkSchema>;

// ---------------------------------------------------------------------------------------
// Errors

export const ChatErrorBodySchema = z.looseObject({
  error: z.union([
    z.looseObject({
      message: z.string().nullish(),
      type: z.string().nullish(),
      // Some OpenAI-compatible servers send a numeric code (the HTTP status).
      code: z.union([z.string(), z.number()]).nullish(),
      param: z.string().nullish(),
    }),
    // …and some send the message alone.
    z.string(),
  ]),
});
export type ChatErrorBody = z.infer<typeof ChatErrorBodySchema>;
