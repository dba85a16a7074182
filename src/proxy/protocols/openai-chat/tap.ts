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
import { createDeferringSseFrameTap, type SseEventObserver } from '../common/sse.ts';
import { fromOpenAIUsage } from './usage.ts';

export interface OpenAISseTapOptions {
  /** Drop the usage-only chunk (`choices: []`, `usage` set): the client did not ask for it. */
  hideUsageChunk: boolean;
  /** Each time a chunk carries usage (normally once, the last chunk). */
  onUsage(u: Usage): void;
  /** Once, at the first chunk carrying content, tool calls or reasoning; `at` is the clock when that chunk arrived. */
  onFirstContent(at: number): void;
  /** Once, when the stream finished (`[DONE]`, or the bytes ended after a finish_reason). */
  onFinish(reason: FinishReason, toolCalls: number): void;
  /** Once, for an error payload, an unparsable chunk, or bytes ending before a finish_reason. */
  onError(e: ProxyError): void;
  /**
   * The clock `onFirstContent` is given (default `performance.now`); the pass-through gives
   * the call record's, so the time to first token is the chunk's arrival on the record's clock.
   */
  now?(): number;
  /**
   * Read the frames after they were forwarded: the callbacks of one push's frames run at the
   * start of the next push or at `settle()`, and those of the end at `settle()` (see
   * createDeferringSseFrameTap). Without it every callback has run when push/end return.
   */
  deferReading?: boolean;
}

/**
 * The tap as a synchronous core: `push` takes upstream bytes and returns the text to send on
 * (every frame completed by these bytes, joined, so one write carries them all), `end` the
 * rest. The proxy's pass-through path drives it straight from the socket, without web streams.
 * `settle` runs the callbacks still owed (only a tap that defers its reading owes any).
 */
export interface SseTapCore {
  push(bytes: Uint8Array): string | Uint8Array;
  end(): string | Uint8Array;
  settle?(): void;
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
    transform: (bytes, c) => {
      out(core.push(bytes), c);
      core.settle?.();
    },
    flush: (c) => {
      out(core.end(), c);
      core.settle?.();
    },
  });
}

const CLOSE_BRACKET = 0x5d;

/**
 * Whether text[start, end) contains an empty JSON array: `[`, JSON whitespace, `]`. The usage-only
 * chunk has `"choices": []`, and JSON has no other spelling of an empty array (no escapes
 * outside strings), so a payload without one cannot be that chunk: its frame is forwarded
 * without parsing it first. (A `[]` inside a string only costs that frame a parse.) `text` may be
 * the payload's bytes read as Latin-1 (the frame tap's view): only ASCII characters are looked at.
 */
export function mayHoldEmptyArray(text: string, start: number, end: number): boolean {
  for (let i = text.indexOf('[', start); i !== -1 && i < end; i = text.indexOf('[', i + 1)) {
    let j = i + 1;
    let c = text.charCodeAt(j);
    while (j < end && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) c = text.charCodeAt(++j);
    if (j < end && c === CLOSE_BRACKET) return true;
  }
  return false;
}

export function openAISseTapCore(opts: OpenAISseTapOptions): SseTapCore {
  const now = opts.now ?? (() => performance.now());
  let firstContent = false;
  let usage: Usage | undefined;
  /** The arrival of the chunk being read (for onFirstContent). */
  let readingAt = 0;

  const onPart = (part: StreamPart) => {
    switch (part.type) {
      case 'text-delta':
      case 'reasoning-delta':
      case 'tool-call-start':
        if (!firstContent) {
          firstContent = true;
          opts.onFirstContent(readingAt);
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

  // The last payload `drops` parsed, so `observe` does not parse it again.
  let parsedData: string | undefined;
  let parsedJson: unknown;

  const observer: SseEventObserver = {
    drops(data) {
      if (!opts.hideUsageChunk || data === '[DONE]') return false;
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        return false;
      }
      parsedData = data;
      parsedJson = json;
      return isUsageOnlyChunk(json);
    },
    mayDrop: (text, start, end) => opts.hideUsageChunk && mayHoldEmptyArray(text, start, end),
    observe(data, arrivedAt) {
      readingAt = arrivedAt;
      if (data === '[DONE]') {
        decoder.data(data);
        return;
      }
      let json: unknown;
      if (parsedData !== undefined && data === parsedData) {
        json = parsedJson;
        parsedData = parsedJson = undefined;
      } else {
        try {
          json = JSON.parse(data);
        } catch {
          decoder.data(data); // reports the unparsable chunk
          return;
        }
      }
      decoder.value(json);
      if (decoder.latestUsage !== usage && decoder.latestUsage) {
        usage = decoder.latestUsage;
        opts.onUsage(usage);
      }
    },
  };

  const frames = createDeferringSseFrameTap(observer, now);
  let ended = false;
  let decoderEnded = false;
  const settle = () => {
    frames.settle();
    if (ended && !decoderEnded) {
      decoderEnded = true;
      decoder.end();
    }
  };
  if (opts.deferReading) {
    return {
      push: (bytes) => frames.push(bytes),
      end() {
        ended = true;
        return frames.end();
      },
      settle,
    };
  }
  return {
    push(bytes) {
      const out = frames.push(bytes);
      frames.settle();
      return out;
    },
    end() {
      ended = true;
      const rest = frames.end();
      settle();
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
  const out: OpenAIJsonTapResult = { toolCalls: Array.isArray(toolCalls) ? toolCalls.length : 0 };
  if (usage) out.usage = fromOpenAIUsage(usage);
  if (choice) out.finish = fromOpenAIFinishReason(typeof choice.finish_reason === 'string' ? choice.finish_reason : null);
  return out;
}
