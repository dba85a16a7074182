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
// Hand-written twins of the chunk and usage schemas, for the hot path

/*
 * Every chunk of every streamed call (pass-through and translated) is checked against
 * ChatChunkSchema; zod's safeParse, which also copies each object it checks, measured as a
 * visible share of the proxy's CPU per streamed request. These guards accept exactly what the
 * schemas accept (test/protocols/openai-chat/schema-guards.test.ts compares them with zod on
 * generated values) and return the value itself; callers fall back to the schema for the
 * error message of a value they refuse.
 */

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const nullishString = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
const nullishNumber = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));
const nullishObject = (v: unknown, check: (o: Loose) => boolean): boolean => v === undefined || v === null || (isObject(v) && check(v));

function isChunkToolCall(v: unknown): boolean {
  return (
    isObject(v) &&
    nullishNumber(v.index) &&
    nullishString(v.id) &&
    nullishString(v.type) &&
    nullishObject(v.function, (f) => nullishString(f.name) && nullishString(f.arguments))
  );
}

function isChunkDelta(d: Loose): boolean {
  if (!(nullishString(d.role) && nullishString(d.content) && nullishString(d.reasoning_content) && nullishString(d.reasoning))) return false;
  const calls = d.tool_calls;
  if (calls === undefined || calls === null) return true;
  return Array.isArray(calls) && calls.every(isChunkToolCall);
}

function isChunkChoice(v: unknown): boolean {
  return isObject(v) && nullishNumber(v.index) && nullishObject(v.delta, isChunkDelta) && nullishString(v.finish_reason);
}

/** ChatUsageSchema's check without zod; the value itself when it passes. */
export function asChatUsage(v: unknown): ChatUsage | undefined {
  if (!isObject(v)) return undefined;
  const ok =
    nullishNumber(v.prompt_tokens) &&
    nullishNumber(v.completion_tokens) &&
    nullishNumber(v.total_tokens) &&
    nullishObject(v.prompt_tokens_details, (d) => nullishNumber(d.cached_tokens)) &&
    nullishObject(v.completion_tokens_details, (d) => nullishNumber(d.reasoning_tokens));
  return ok ? (v as ChatUsage) : undefined;
}

/** ChatChunkSchema's check without zod; the value itself when it passes. */
export function asChatChunk(v: unknown): ChatChunk | undefined {
  if (!isObject(v)) return undefined;
  if (!(nullishString(v.id) && nullishString(v.model) && nullishNumber(v.created))) return undefined;
  const choices = v.choices;
  if (choices !== undefined && choices !== null && !(Array.isArray(choices) && choices.every(isChunkChoice))) return undefined;
  if (v.usage !== undefined && v.usage !== null && !asChatUsage(v.usage)) return undefined;
  return v as ChatChunk;
}

function isResponseToolCall(v: unknown): boolean {
  return isObject(v) && nullishString(v.id) && nullishString(v.type) && isObject(v.function) && typeof v.function.name === 'string' && nullishString(v.function.arguments);
}

function isResponseMessage(m: Loose): boolean {
  if (!(nullishString(m.role) && nullishString(m.content) && nullishString(m.reasoning_content) && nullishString(m.reasoning) && nullishString(m.refusal))) return false;
  const calls = m.tool_calls;
  return calls === undefined || calls === null || (Array.isArray(calls) && calls.every(isResponseToolCall));
}

function isResponseChoice(v: unknown): boolean {
  return isObject(v) && nullishNumber(v.index) && isObject(v.message) && isResponseMessage(v.message) && nullishString(v.finish_reason);
}

/**
 * ChatResponseSchema's check without zod; the value itself when it passes. The translated JSON
 * path checks every upstream answer with it (zod's parse and copy measured ≈ 0.1 ms per request
 * on the bench's answers, bench/PROFILE.md seventh pass); the schema gives the message of a refusal.
 */
export function asChatResponse(v: unknown): ChatResponse | undefined {
  if (!isObject(v)) return undefined;
  if (!(nullishString(v.id) && nullishString(v.model) && nullishNumber(v.created))) return undefined;
  if (!(Array.isArray(v.choices) && v.choices.every(isResponseChoice))) return undefined;
  if (v.usage !== undefined && v.usage !== null && !asChatUsage(v.usage)) return undefined;
  return v as ChatResponse;
}

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
