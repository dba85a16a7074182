/**
 * A client-facing API surface (a dialect a client speaks: OpenAI Chat Completions, Anthropic
 * Messages, …): the routes it answers, how to decode its requests, encode responses, streams
 * and errors in its shape, and tap a same-dialect upstream stream for usage without
 * re-encoding it. A surface depends on the canonical form and its protocol codecs only: never
 * on backends or the simulator (test/architecture/layering.test.ts enforces it).
 *
 * Adding one: a folder under surfaces/ exporting a SurfaceFactory, and one line in
 * surfaces/registry.ts (see CONTRIBUTING.md).
 */
import type { CanonicalRequest, CanonicalResponse, FinishReason, StreamPart, Usage } from '../canonical/form.ts';
import type { ProxyError } from '../canonical/errors.ts';
import type { Logger } from '../util/log.ts';
import type { SyncStage } from './protocols/common/sync-stage.ts';

export interface TapHooks {
  onUsage(u: Partial<Usage>): void;
  /** `at`: when the content's chunk arrived, on the `now` clock (a tap that reads a chunk when it arrives leaves it out). */
  onFirstContent(at?: number): void;
  onFinish(reason: FinishReason, toolCalls: number): void;
  onError(e: ProxyError): void;
}

export interface Peeked {
  alias: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (OpenAI stream_options.include_usage). */
  clientWantsUsage: boolean;
}

/**
 * One row of the route table: a path a surface answers and how the call is read from it.
 * `{model}` in a path matches one path segment (up to `/` or `:`) and becomes the alias.
 */
export interface RouteDef {
  method: 'POST';
  path: string;
  /** A model call, or a prompt token count. */
  kind: 'generate' | 'count_tokens';
  /** The spend record's `endpoint` for calls on this route. */
  endpoint: string;
  /** Where the model alias is read: the JSON body's `model`, or the path's `{model}`. */
  model: 'body' | 'path';
  /** Streaming decided by the route itself (Gemini's :streamGenerateContent); else the body says. */
  stream?: boolean;
}

/** What the route matched, handed to `peek`. */
export interface RouteMatch {
  route: RouteDef;
  /** `{model}` and other path parameters, URI-decoded. */
  params: Readonly<Record<string, string>>;
}

export interface Surface {
  /** The dialect's name: the spend record's `surface`, and the pass-through key (a backend whose `nativeDialects` has it takes the bytes). */
  readonly dialect: string;
  readonly routes: readonly RouteDef[];
  /** Unrouted paths under these prefixes get their 404 in this surface's error shape. */
  readonly errorPathPrefixes: readonly string[];
  /** Client headers forwarded to a same-dialect upstream. */
  readonly forwardHeaders: readonly string[];
  /** Reads the alias and stream flag without a full decode (the pass-through path skips it). */
  peek(body: Record<string, unknown>, match: RouteMatch): Peeked;
  decode(body: Record<string, unknown>, match: RouteMatch): CanonicalRequest;
  encodeError(e: ProxyError): { status: number; body: unknown };
  /** `body`: the client's request, for the fields a response echoes (the Responses API's max_output_tokens, instructions, …). */
  encodeResponse(res: CanonicalResponse, alias: string, body: Record<string, unknown>): unknown;
  /**
   * Work a translated stream's encoder will need from the request alone (the Anthropic surface:
   * the prompt's token count that message_start carries), done while the upstream is answering
   * rather than before the first byte the client gets. The pipeline calls it once the upstream
   * request is on its way; an encoder later built for the same request finds the work done.
   */
  prepareStream?(request: CanonicalRequest): void;
  /** Canonical parts → the client's stream bytes, synchronously: each part's frames go to `emit` at once. */
  streamEncoder(o: { alias: string; includeUsage: boolean; request?: CanonicalRequest }, emit: (bytes: Uint8Array) => void): SyncStage<StreamPart>;
  /** One SSE frame carrying an error, for failures after the stream started. */
  errorFrame(e: ProxyError): Uint8Array;
  /**
   * Taps a same-dialect upstream stream synchronously (the pass-through path). A tap that can
   * read frames after forwarding them does so when asked (`deferReading`) and then owes
   * callbacks until `settle()`.
   */
  sseTapCore(
    o: { hideUsageChunk: boolean; deferReading?: boolean; now?(): number } & TapHooks,
  ): { push(b: Uint8Array): string | Uint8Array; end(): string | Uint8Array; settle?(): void };
  jsonTap(json: unknown): { usage?: Usage; finish?: FinishReason; toolCalls: number };
  /** The body of a `count_tokens` route and its answer, for surfaces that have one. */
  countTokens?: {
    decode(body: Record<string, unknown>, match: RouteMatch): CanonicalRequest;
    encode(inputTokens: number): unknown;
  };
}

export interface SurfaceDeps {
  log: Logger;
}

export type SurfaceFactory = (deps: SurfaceDeps) => Surface;

/** Reads `body.model` as the alias, refusing a request without one. */
export function aliasFromBody(body: Record<string, unknown>, onMissing: () => ProxyError): string {
  const model = body.model;
  if (typeof model !== 'string' || !model) throw onMissing();
  return model;
}
