/**
 * A client-facing API surface (OpenAI Chat Completions, Anthropic Messages): how to decode
 * its requests, encode responses, streams and errors in its shape, and tap a same-dialect
 * upstream stream for usage without re-encoding it.
 */
import type { CanonicalRequest, CanonicalResponse, FinishReason, StreamPart, Usage } from './canonical.ts';
import type { ProxyError } from './errors.ts';

export interface TapHooks {
  onUsage(u: Partial<Usage>): void;
  onFirstContent(): void;
  onFinish(reason: FinishReason, toolCalls: number): void;
  onError(e: ProxyError): void;
}

export interface Peeked {
  alias: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (OpenAI stream_options.include_usage). */
  clientWantsUsage: boolean;
}

export interface Surface {
  readonly dialect: 'openai' | 'anthropic';
  /** Client headers forwarded to a same-dialect upstream. */
  readonly forwardHeaders: readonly string[];
  /** Reads the alias and stream flag without a full decode (the pass-through path skips it). */
  peek(body: Record<string, unknown>): Peeked;
  decode(body: Record<string, unknown>): CanonicalRequest;
  encodeError(e: ProxyError): { status: number; body: unknown };
  encodeResponse(res: CanonicalResponse, alias: string): unknown;
  encodeStream(o: { alias: string; includeUsage: boolean; request?: CanonicalRequest }): TransformStream<StreamPart, Uint8Array>;
  /** One SSE frame carrying an error, for failures after the stream started. */
  errorFrame(e: ProxyError): Uint8Array;
  /** Taps a same-dialect upstream stream synchronously (the pass-through path). */
  sseTapCore(o: { hideUsageChunk: boolean } & TapHooks): { push(b: Uint8Array): string | Uint8Array; end(): string | Uint8Array };
  jsonTap(json: unknown): { usage?: Usage; finish?: FinishReason; toolCalls: number };
}
