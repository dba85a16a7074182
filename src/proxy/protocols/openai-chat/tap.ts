/**
 * Usage taps for pass-through, when client and upstream both speak OpenAI Chat and the proxy
 * forwards the upstream's bytes untranslated.
 *
 * `openAISseTap` parses frames with eventsource-parser and re-emits each frame's ORIGINAL
 * data text (`data: <text>\n\n`, comments as `: <text>\n\n`) — never re-serialised JSON — so
 * the client gets what the upstream sent, except the usage-only chunk when the client did
 * not ask for usage (the proxy adds `include_usage` upstream for its own accounting).
 * What it learns goes to callbacks, through the same decoder the translating path uses.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { FinishReason, StreamPart, Usage } from '../../../canonical/form.ts';
import type { ProxyError } from '../../../canonical/errors.ts';
import { OpenAIStreamDecoder } from './decode-stream.ts';
import { decodeOpenAIErrorPayload } from './errors.ts';
import { fromOpenAIFinishReason } from './finish-reason.ts';
import { ChatResponseSchema } from './schema.ts';
import { createSseReader } from '../common/sse.ts';
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
  let pending = '';
  let firstContent = false;
  let usage: Usage | undefined;
  let decoder: OpenAIStreamDecoder | undefined;
  let reader: ReturnType<typeof createSseReader> | undefined;

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
        opts.onFinish(part.reason, decoder?.toolCalls ?? 0);
        return;
      case 'error':
        opts.onError(part.error);
        return;
      default:
        return;
    }
  };

  /** Reads one frame's payload; true when the frame must be dropped. */
  const inspect = (data: string): boolean => {
    const d = decoder;
    if (!d) return false;
    if (data === '[DONE]') {
      d.data(data);
      return false;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      d.data(data); // reports the unparsable chunk
      return false;
    }
    d.value(json);
    if (d.latestUsage !== usage && d.latestUsage) {
      usage = d.latestUsage;
      opts.onUsage(usage);
    }
    return opts.hideUsageChunk && isUsageOnlyChunk(json);
  };

  decoder = new OpenAIStreamDecoder(onPart);
  const onEvent = (event: EventSourceMessage) => {
    if (inspect(event.data)) return;
    pending += frameText(event);
  };
  const onComment = (comment: string) => {
    pending += `: ${comment}\n\n`;
  };
  reader = createSseReader(onEvent, onComment);
  const take = () => {
    const t = pending;
    pending = '';
    return t;
  };
  return {
    push(bytes) {
      reader!.feed(bytes);
      return take();
    },
    end() {
      reader!.end();
      decoder!.end();
      return take();
    },
  };
}

/** One event back to SSE text, multi-line data as several `data:` lines. */
function frameText(event: EventSourceMessage): string {
  let out = '';
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  for (const line of event.data.split('\n')) out += `data: ${line}\n`;
  return out + '\n';
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
  const usage = res.usage != null ? ChatResponseSchema.shape.usage.safeParse(res.usage) : undefined;
  const toolCalls = choice?.message?.tool_calls;
  return {
    ...(usage?.success && usage.data ? { usage: fromOpenAIUsage(usage.data) } : {}),
    ...(choice ? { finish: fromOpenAIFinishReason(typeof choice.finish_reason === 'string' ? choice.finish_reason : null) } : {}),
    toolCalls: Array.isArray(toolCalls) ? toolCalls.length : 0,
  };
}
