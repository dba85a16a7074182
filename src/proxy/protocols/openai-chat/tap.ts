/**
 * Usage taps for pass-through, when client and upstream both speak OpenAI Chat and the proxy
 * forwards the upstream's bytes untranslated.
 *
 * `openAISseTap` splits the bytes into frames (createSseFrameTap) and forwards the upstream's
 * own bytes of each complete frame — never re-serialised JSON — so the client gets what the
 * upstream sent, except the usage-only chunk when the client did not ask for usage (the
 * proxy adds `include_usage` upstream for its own accounting).
 * What it learns goes to callbacks, through the same decoder the translating path uses.
 */
import type { FinishReason, StreamPart, Usage } from '../../../canonical/form.ts';
import type { ProxyError } from '../../../canonical/errors.ts';
import { OpenAIStreamDecoder } from './decode-stream.ts';
import { decodeOpenAIErrorPayload } from './errors.ts';
import { fromOpenAIFinishReason } from './finish-reason.ts';
import { asChatUsage } from './schema.ts';
import { createSseFrameTap } from '../common/sse.ts';
import { fromOpenAIUsage } from './usage.ts';

export interface OpenAISseTapOptions {
  /** Drop the usage-only chunk (`choices: []`, `usage` set): the client did not ask for it. */
  hideUsageChunk: boolean;
  /** Each time a chunk carries usage (normally once, the last chunk). */
  onUsage(u: Usage): void;
  /** Once, at the first chunk carrying content, tool calls or reasoning. */
  onFirstContent(): void;
  /** Once, when the stream finished (`[DONE]`, or the bytes ended after a finish_reason). */
  onFinish(reason: FinishReason, toolCalls: number): void;
  /** Once, for an error payload, an unparsable chunk, or bytes ending before a finish_reason. */
  onError(e: ProxyError): void;
}

/**
 * The tap as a synchronous core: `push` takes upstream bytes and returns the text to send on
 * (every frame completed by these bytes, joined, so one write carries them all), `end` the
 * rest. The proxy's pass-through path drives it straight from the socket, without web streams.
 */
export interface SseTapCore {
  push(bytes: Uint8Array): string | Uint8Array;
  end(): string | Uint8Array;
}

export function openAISseTap(opts: OpenAISseTapOptions): TransformStream<Uint8Array, Uint8Array> {
  return tapCoreToTransform(openAISseTapCore(opts));
}

const textEncoder = new TextEncoder();

/** Wraps a tap core in a TransformStream (for callers that compose web streams). */
export function tapCoreToTransform(core: SseTapCore): TransformStream<Uint8Array, Uint8Array> {
  const out = (v: string | Uint8Array, c: TransformStreamDefaultController<Uint8Array>) => {
    if (typeof v === 'string') {
      if (v) c.enqueue(textEncoder.encode(v));
    } else if (v.length) c.enqueue(v);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform: (bytes, c) => out(core.push(bytes), c),
    flush: (c) => out(core.end(), c),
  });
}

export function openAISseTapCore(opts: OpenAISseTapOptions): SseTapCore {
  let firstContent = false;
  let usage: Usage | undefined;

  const onPart = (part: StreamPart) => {
    switch (part.type) {
      case 'text-delta':
      case 'reasoning-delta':
      case 'tool-call-start':
        if (!firstContent) {
          firstContent = true;
          opts.onFirstContent();
        }
        return;
      case 'finish':
        opts.onFinish(part.reason, decoder.toolCalls);
        return;
      case 'error':
        opts.onError(part.error);
        return;
      default:
        return;
    }
  };
  const decoder = new OpenAIStreamDecoder(onPart);

  /** Reads one event's payload; true when its frame must be dropped. */
  const inspect = (data: string): boolean => {
    if (data === '[DONE]') {
      decoder.data(data);
      return false;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      decoder.data(data); // reports the unparsable chunk
      return false;
    }
    decoder.value(json);
    if (decoder.latestUsage !== usage && decoder.latestUsage) {
      usage = decoder.latestUsage;
      opts.onUsage(usage);
    }
    return opts.hideUsageChunk && isUsageOnlyChunk(json);
  };

  const frames = createSseFrameTap(inspect);
  return {
    push: (bytes) => frames.push(bytes),
    end() {
      const rest = frames.end();
      decoder.end();
      return rest;
    },
  };
}

function isUsageOnlyChunk(json: unknown): boolean {
  if (json === null || typeof json !== 'object') return false;
  const { choices, usage } = json as { choices?: unknown; usage?: unknown };
  return Array.isArray(choices) && choices.length === 0 && usage !== null && usage !== undefined;
}

export interface OpenAIJsonTapResult {
  usage?: Usage;
  finish?: FinishReason;
  toolCalls: number;
  /** The body was an error payload. */
  error?: ProxyError;
}

/** What a non-streaming chat.completion (or error body) tells the spend record. */
export function openAIJsonTap(json: unknown): OpenAIJsonTapResult {
  if (json !== null && typeof json === 'object' && (json as { error?: unknown }).error != null) {
    return { toolCalls: 0, error: decodeOpenAIErrorPayload(json) };
  }
  // Hot path of every pass-through call: read the three fields directly instead of
  // validating the whole (possibly large) body with a schema; usage alone goes through one.
  if (json === null || typeof json !== 'object') return { toolCalls: 0 };
  const res = json as { choices?: unknown; usage?: unknown };
  const choice = Array.isArray(res.choices) ? (res.choices[0] as { finish_reason?: unknown; message?: { tool_calls?: unknown } } | undefined) : undefined;
  const usage = res.usage != null ? asChatUsage(res.usage) : undefined;
  const toolCalls = choice?.message?.tool_calls;
  return {
    ...(usage ? { usage: fromOpenAIUsage(usage) } : {}),
    ...(choice ? { finish: fromOpenAIFinishReason(typeof choice.finish_reason === 'string' ? choice.finish_reason : null) } : {}),
    toolCalls: Array.isArray(toolCalls) ? toolCalls.length : 0,
  };
}
