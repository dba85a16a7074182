/**
 * The canonical form every protocol decodes into and every backend encodes from.
 * Modelled on the union of Anthropic Messages, OpenAI Chat Completions and Gemini
 * generateContent. Imports nothing but the error class.
 */
import type { ProxyError } from './errors.ts';
import { withProps } from '../util/objects.ts';

/**
 * The name of an API dialect agentab speaks on a client surface or to an upstream
 * (`openai`, `anthropic`, `gemini`, …): an open set, one per registered surface.
 */
export type Dialect = string;

/**
 * Normalised usage. `input` counts the WHOLE prompt, cached or not; `cacheRead` and
 * `cacheWrite` are subsets of `input`; `reasoning` is a subset of `output`.
 * (OpenAI prompt_tokens and Gemini promptTokenCount include cached tokens; Anthropic
 * input_tokens does not — protocols convert.)
 */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  /** Of cacheWrite, the tokens written with Anthropic's 1-hour TTL (billed at a higher rate). */
  cacheWrite1h?: number;
}

export const emptyUsage = (): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });

/**
 * A cache breakpoint the caller put on a block (Anthropic `cache_control`): the prompt up to
 * and including this block may be cached for `ttl` (`5m`, the default, or `1h`).
 */
export interface CacheMark {
  ttl: '5m' | '1h';
}

export type FinishReason = 'stop' | 'tool_use' | 'length' | 'content_filter' | 'error';

// ---------------------------------------------------------------------------------------
// Request

export interface TextPart {
  type: 'text';
  text: string;
  /** The caller marked a cache breakpoint here (Anthropic cache_control). */
  cacheControl?: CacheMark;
}

export interface ImagePart {
  type: 'image';
  mediaType: string;
  /** Base64 data, when the image was sent inline. */
  data?: string;
  /** URL, when the image was sent by reference. */
  url?: string;
  cacheControl?: CacheMark;
}

export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  /** Parsed arguments (an object for every dialect we speak). */
  args: unknown;
  /** Gemini thoughtSignature attached to a functionCall, kept across turns. */
  signature?: string;
  cacheControl?: CacheMark;
}

export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  /** Tool name, when known (Gemini functionResponse needs it). */
  name?: string;
  content: Array<TextPart | ImagePart>;
  isError?: boolean;
  cacheControl?: CacheMark;
}

export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  /** Opaque redacted thinking payload (Anthropic redacted_thinking). */
  redacted?: string;
}

export type UserPart = TextPart | ImagePart | ToolResultPart;
export type AssistantPart = TextPart | ToolCallPart | ReasoningPart;

export type CanonicalMessage =
  | { role: 'user'; content: UserPart[] }
  | { role: 'assistant'; content: AssistantPart[] }
  /** Tool results (OpenAI role:tool, Anthropic tool_result blocks in a user turn). */
  | { role: 'tool'; content: ToolResultPart[] };

export interface CanonicalTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  cacheControl?: CacheMark;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export interface CanonicalRequest {
  /** The model name as the client sent it (usually an alias). */
  model: string;
  system: TextPart[];
  messages: CanonicalMessage[];
  tools: CanonicalTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  stream: boolean;
  /** Extended thinking / reasoning requested by the caller. */
  reasoning?: { budgetTokens?: number; effort?: 'low' | 'medium' | 'high' };
  /** The dialect the client spoke, so a same-dialect backend can pass bytes through. */
  sourceDialect: Dialect;
  /** The client's raw body, kept for pass-through and for the sim's header scripts. */
  raw?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------
// Response

export interface CanonicalResponse {
  id: string;
  model: string;
  content: AssistantPart[];
  finish: FinishReason;
  /** The stop sequence matched, when finish is 'stop' because of one. */
  stopSequence?: string;
  usage: Usage;
}

/**
 * Stream parts. Every block is opened (`text-start`/`tool-call-start`/`reasoning-start`),
 * receives deltas, then `block-end`. `index` is the block's position in the message.
 * `finish` is the last part of a successful stream and carries the final usage.
 */
export type StreamPart =
  | { type: 'message-start'; id: string; model: string; usage?: Partial<Usage> }
  | { type: 'text-start'; index: number }
  | { type: 'text-delta'; index: number; text: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string; signature?: string }
  | { type: 'tool-call-delta'; index: number; argsJson: string }
  | { type: 'reasoning-start'; index: number; redacted?: string }
  | { type: 'reasoning-delta'; index: number; text: string; signature?: string }
  | { type: 'block-end'; index: number }
  /** Usage known before the end (e.g. Gemini usage-only chunks); totals, not increments. */
  | { type: 'usage'; usage: Partial<Usage> }
  | { type: 'finish'; reason: FinishReason; usage: Usage; stopSequence?: string }
  | { type: 'error'; error: ProxyError };

/**
 * Collects a canonical stream into a response (used for non-streaming calls to a backend
 * that only streams, and by tests to compare streamed and non-streamed results).
 */
export async function collectStream(stream: ReadableStream<StreamPart>): Promise<CanonicalResponse> {
  let id = '';
  let model = '';
  let usage = emptyUsage();
  let finish: FinishReason = 'stop';
  let stopSequence: string | undefined;
  const blocks = new Map<number, AssistantPart & { argsJson?: string }>();
  for await (const part of stream as unknown as AsyncIterable<StreamPart>) {
    switch (part.type) {
      case 'message-start':
        id = part.id;
        model = part.model;
        if (part.usage) usage = { ...usage, ...part.usage };
        break;
      case 'text-start':
        blocks.set(part.index, { type: 'text', text: '' });
        break;
      case 'text-delta': {
        const b = blocks.get(part.index);
        if (b?.type === 'text') b.text += part.text;
        else blocks.set(part.index, { type: 'text', text: part.text });
        break;
      }
      case 'tool-call-start':
        blocks.set(part.index, {
          type: 'tool-call',
          id: part.id,
          name: part.name,
          args: {},
          argsJson: '',
          ...(part.signature ? { signature: part.signature } : {}),
        });
        break;
      case 'tool-call-delta': {
        const b = blocks.get(part.index);
        if (b?.type === 'tool-call') b.argsJson = (b.argsJson ?? '') + part.argsJson;
        break;
      }
      case 'reasoning-start':
        blocks.set(part.index, { type: 'reasoning', text: '', ...(part.redacted ? { redacted: part.redacted } : {}) });
        break;
      case 'reasoning-delta': {
        const b = blocks.get(part.index);
        if (b?.type === 'reasoning') {
          b.text += part.text;
          if (part.signature) b.signature = (b.signature ?? '') + part.signature;
        } else blocks.set(part.index, { type: 'reasoning', text: part.text, ...(part.signature ? { signature: part.signature } : {}) });
        break;
      }
      case 'block-end':
        break;
      case 'usage':
        usage = { ...usage, ...part.usage };
        break;
      case 'finish':
        finish = part.reason;
        usage = part.usage;
        stopSequence = part.stopSequence;
        break;
      case 'error':
        throw part.error;
    }
  }
  const content: AssistantPart[] = [...blocks.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, b]) => {
      if (b.type !== 'tool-call') return b;
      const { argsJson, ...call } = b;
      return withProps(call, { args: argsJson ? safeParseArgs(argsJson) : {} });
    });
  return { id, model, content, finish, usage, ...(stopSequence ? { stopSequence } : {}) };
}

function safeParseArgs(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return { _raw: json };
  }
}
