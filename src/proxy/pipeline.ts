/**
 * One model call, from a parsed client body to the bytes the client receives: route the
 * alias, pass through when the backend speaks the client's dialect, translate through the
 * canonical form otherwise, and feed the call record along the way.
 */
import type { Deployment } from '../config/types.ts';
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../canonical/form.ts';
import { ProxyError } from '../canonical/errors.ts';
import type { BackendAdapter, BodyForwarding, CallOptions, CellContext, RawCall, RawResponse } from './backends/types.ts';
import { UpstreamTimer } from './backends/types.ts';
import type { CallRecord } from './call-record.ts';
import type { ClientGone } from './client-gone.ts';
import type { ResponseWriter } from './http-io.ts';
import { feedFromBody, feedFromReadable, type PartFeed } from './translated-stream.ts';
import { unprocessable } from './upstream/http.ts';
import type { AttemptInfo, Router } from './router.ts';
import type { RouteMatch, Surface } from './surface.ts';
import type { Logger } from '../util/log.ts';

export interface PipelineDeps {
  router: Router;
  backendFor(d: Deployment): BackendAdapter;
  log: Logger;
}

export interface ModelCall {
  surface: Surface;
  /** The route the request matched (its path parameters carry the alias on some surfaces). */
  match: RouteMatch;
  body: Record<string, unknown>;
  /** The client's bytes that parsed to `body` (pass-through bodies are spliced from them). */
  bodyBytes?: Uint8Array;
  headers: Record<string, string | string[] | undefined>;
  rec: CallRecord;
  w: ResponseWriter;
  /** Aborted when the client disconnects. */
  clientGone: ClientGone;
  cell: CellContext;
}

type Outcome =
  | { kind: 'raw-stream'; first: Uint8Array | null; body: RawResponse }
  | { kind: 'raw-json'; bytes: Uint8Array; json: unknown }
  | { kind: 'stream'; feed: PartFeed }
  | { kind: 'json'; res: CanonicalResponse };

/** The pass-through stream tap's options: what it reports goes to the call record. */
function tapOptions(rec: CallRecord, hideUsageChunk: boolean): Parameters<Surface['sseTapCore']>[0] {
  return {
    hideUsageChunk,
    deferReading: true,
    now: rec.now,
    onUsage: (u) => rec.addUsage(u),
    onFirstContent: (at) => rec.firstContent(at),
    onFinish: (reason, toolCalls) => {
      rec.finish = reason;
      rec.toolCalls = toolCalls;
    },
    onError: (e) => {
      rec.error = e;
      rec.finish = 'error';
    },
  };
}

/** Observes a canonical stream's parts for the call record. */
function partTap(rec: CallRecord): (p: StreamPart) => void {
  let tools = 0;
  return (p) => {
    switch (p.type) {
      case 'message-start':
        if (p.usage) rec.addUsage(p.usage);
        break;
      case 'text-delta':
      case 'reasoning-delta':
      case 'tool-call-delta':
        rec.firstContent();
        break;
      case 'tool-call-start':
        tools++;
        rec.firstContent();
        break;
      case 'usage':
        rec.addUsage(p.usage);
        break;
      case 'finish':
        rec.addUsage(p.usage);
        rec.finish = p.reason;
        rec.toolCalls = tools;
        break;
      case 'error':
        rec.error = p.error;
        rec.finish = 'error';
        break;
    }
  };
}

function forwardable(surface: Surface, headers: ModelCall['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of surface.forwardHeaders) {
    const v = headers[h];
    if (typeof v === 'string') out[h] = v;
  }
  return out;
}

/**
 * One attempt's CallOptions. A class, not an object literal: a literal with a getter is built
 * through V8's slow path on every attempt (measured in the pass-through's profile); the
 * getter makes the client-gone AbortSignal only when a backend asks for it.
 */
class AttemptOptions implements CallOptions {
  constructor(
    readonly deployment: Deployment,
    readonly clientGone: ClientGone,
    readonly timer: UpstreamTimer,
    readonly stream: boolean,
    readonly log: Logger,
    readonly cell: CellContext,
  ) {}
  get signal(): AbortSignal {
    return this.clientGone.signal;
  }
}

export async function runModelCall(deps: PipelineDeps, call: ModelCall): Promise<void> {
  const { surface, body, rec, w } = call;
  const peek = surface.peek(body, call.match);
  rec.alias = peek.alias;
  rec.stream = peek.stream;
  let canonical: CanonicalRequest | undefined;
  const canonicalOf = () => (canonical ??= surface.decode(body, call.match));
  const timer = new UpstreamTimer();
  rec.timer = timer;

  const progress = { retryWaitMs: 0 };
  const attempt = async (d: Deployment, info: AttemptInfo): Promise<Outcome> => {
    try {
      rec.attempts = info.attempt;
      rec.deployment = d;
      const backend = deps.backendFor(d);
      const o = new AttemptOptions(d, call.clientGone, timer, peek.stream, deps.log, call.cell);
      if (backend.passthrough && backend.nativeDialects?.includes(surface.dialect)) {
        const rawCall: RawCall = { dialect: surface.dialect, body: withoutDropped(body, d), headers: forwardable(surface, call.headers) };
        if (call.bodyBytes) rawCall.source = { bytes: call.bodyBytes, remove: d.dropParams ?? NO_REMOVALS };
        const raw = await backend.passthrough(rawCall, o);
        rec.mark('upstreamAnswered');
        // The first chunk is read inside the attempt: a connection that breaks before any content is retried.
        if (peek.stream) return { kind: 'raw-stream', first: await raw.firstChunk(), body: raw };
        const bytes = await raw.readAll();
        let json: unknown;
        try {
          json = JSON.parse(utf8Text(bytes));
        } catch (e) {
          throw new ProxyError('upstream sent invalid JSON', { code: 'upstream_bad_json', kind: 'bad_gateway', cause: e });
        }
        return { kind: 'raw-json', bytes, json };
      }
      const req = d.dropParams?.length ? surface.decode(withoutDropped(body, d), call.match) : canonicalOf();
      if (peek.stream) {
        // The first part (or a break before it) is read inside the attempt, so that break is retried.
        if (backend.streamBody) {
          const answering = backend.streamBody(req, o);
          // The request is on its way: what the client's encoder needs from it is worked out
          // while the upstream answers (setImmediate: after this turn's writes are flushed).
          if (surface.prepareStream) setImmediate(prepareStream, surface, req);
          const answered = await answering;
          rec.mark('upstreamAnswered');
          return { kind: 'stream', feed: await feedFromBody(answered) };
        }
        const answered = await backend.stream(req, o);
        rec.mark('upstreamAnswered');
        return { kind: 'stream', feed: await feedFromReadable(answered) };
      }
      return { kind: 'json', res: await backend.generate(req, o) };
    } catch (e) {
      // JSON nested deeper than the stack allows, anywhere on the way: the request's fault, a 400.
      if (e instanceof RangeError) throw unprocessable(e);
      // Nothing has reached the client inside an attempt: an upstream body that broke is safe to retry.
      throw retryableBreak(e);
    }
  };
  let routed: Awaited<ReturnType<typeof deps.router.call<Outcome>>>;
  try {
    routed = await deps.router.call(peek.alias, call.clientGone, attempt, progress);
  } finally {
    rec.retryWaitMs = progress.retryWaitMs;
  }
  rec.attempts = routed.attempts;
  if (call.clientGone.aborted) {
    // The client left while the upstream was answering: nothing was sent, so it is a 499 like any other.
    if (routed.value.kind === 'raw-stream') routed.value.body.forward(ignoreChunk).stop();
    if (routed.value.kind === 'stream') routed.value.feed.forward(ignoreParts).stop();
    routed.release();
    throw call.clientGone.reason;
  }
  try {
    const sending = deliver(surface, call, routed.value, { alias: peek.alias, clientWantsUsage: peek.clientWantsUsage, request: canonical });
    if (sending) await sending;
  } finally {
    routed.release(rec.usage.input + rec.usage.output);
  }
}

/**
 * Sends an attempt's outcome. Not async: a JSON answer is sent at once and returns nothing, a
 * stream's promise is handed back as it is (no async frame and promise of its own per call);
 * called only from runModelCall, whose own frame turns a synchronous throw into its rejection.
 */
function deliver(
  surface: Surface,
  call: ModelCall,
  out: Outcome,
  peek: { alias: string; clientWantsUsage: boolean; request: CanonicalRequest | undefined },
): Promise<void> | undefined {
  const { rec, w } = call;
  switch (out.kind) {
    case 'raw-json': {
      // The bytes leave first (they were parsed inside the attempt, so they are valid JSON);
      // what the record learns from them is read after, off the client's critical path.
      rec.firstContent();
      w.raw(200, out.bytes, { 'content-type': 'application/json' });
      const tap = surface.jsonTap(out.json);
      if (tap.usage) rec.addUsage(tap.usage);
      rec.finish = tap.finish ?? null;
      rec.toolCalls = tap.toolCalls;
      return;
    }
    case 'json': {
      const res = out.res;
      rec.addUsage(res.usage);
      rec.finish = res.finish;
      rec.toolCalls = res.content.filter((c) => c.type === 'tool-call').length;
      rec.firstContent();
      w.json(200, surface.encodeResponse(res, peek.alias, call.body));
      return;
    }
    case 'raw-stream':
      w.startStream(200);
      return passRawStream(surface, call, out.first, out.body, !peek.clientWantsUsage);
    case 'stream':
      w.startStream(200);
      return sendTranslatedStream(surface, call, out.feed, peek);
  }
}

/**
 * Translated streams' hot path, the same shape as the pass-through's: each upstream chunk's
 * parts are tapped for the call record and encoded into the client's dialect synchronously,
 * and their frames leave in one write; reading pauses only while the client's socket is full.
 */
async function sendTranslatedStream(
  surface: Surface,
  call: ModelCall,
  feed: PartFeed,
  peek: { alias: string; clientWantsUsage: boolean; request: CanonicalRequest | undefined },
): Promise<void> {
  const { rec, w } = call;
  const tap = partTap(rec);
  let frames: Uint8Array[] = [];
  const encoderOptions: Parameters<Surface['streamEncoder']>[0] = { alias: peek.alias, includeUsage: peek.clientWantsUsage };
  if (peek.request) encoderOptions.request = peek.request;
  const encoder = surface.streamEncoder(
    encoderOptions,
    (bytes) => void frames.push(bytes),
  );
  const flush = (): Promise<void> | undefined => {
    if (frames.length === 0) return undefined;
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    frames = [];
    return w.closed ? undefined : w.write(bytes);
  };
  const send = (parts: StreamPart[]): Promise<void> | undefined => {
    for (const p of parts) {
      tap(p);
      encoder.push(p);
    }
    return flush();
  };
  let forwarding: BodyForwarding | undefined;
  const offGone = call.clientGone.onAbort(() => forwarding?.stop());
  try {
    const wait = send(feed.held);
    if (wait) await wait;
    if (!call.clientGone.aborted) {
      forwarding = feed.forward((parts) => (call.clientGone.aborted ? undefined : send(parts)));
      await forwarding.done;
    } else feed.forward(ignoreParts).stop();
    if (call.clientGone.aborted) stopped(rec, w, call.clientGone.reason);
    else {
      encoder.end();
      const wait = flush();
      if (wait) await wait;
    }
  } catch (e) {
    frames = [];
    const pe = stopped(rec, w, call.clientGone.aborted ? call.clientGone.reason : e);
    if (!w.closed) await w.write(surface.errorFrame(pe));
  } finally {
    offGone();
    w.end();
  }
}

/**
 * Pass-through hot path: upstream socket chunks → synchronous tap → client socket, with no web
 * streams and no promise per chunk in between (each web-stream hop costs a promise and a
 * controller per chunk, and the async-iterator route several microtask hops: both measured as
 * a large share of the proxy's CPU per streamed request). Chunks are handed over from the
 * upstream body's events (RawResponse.forward); reading pauses only while the client's socket
 * is full. The tap reads its frames after forwarding them where it can (`deferReading`): a
 * push's frames are read at the next push, the last ones after `w.end()` sent the response's
 * last bytes, so decoding them is off the time the client waits; `settle()` runs whatever is
 * still owed before anything else reports to the call record.
 */
async function passRawStream(surface: Surface, call: ModelCall, first: Uint8Array | null, body: RawResponse, hideUsageChunk: boolean): Promise<void> {
  const { rec, w } = call;
  const tap = surface.sseTapCore(tapOptions(rec, hideUsageChunk));
  const send = (v: string | Uint8Array): Promise<void> | undefined => {
    if (v.length === 0 || w.closed) return undefined;
    return w.write(typeof v === 'string' ? Buffer.from(v) : v);
  };
  let forwarding: BodyForwarding | undefined;
  const offGone = call.clientGone.onAbort(() => forwarding?.stop());
  try {
    if (first) {
      const wait = send(tap.push(first));
      if (wait) await wait;
    }
    if (!call.clientGone.aborted) {
      forwarding = body.forward((chunk) => (call.clientGone.aborted ? undefined : send(tap.push(chunk))));
      await forwarding.done;
    } else body.forward(ignoreChunk).stop();
    if (call.clientGone.aborted) {
      tap.settle?.();
      stopped(rec, w, call.clientGone.reason);
    } else {
      const wait = send(tap.end());
      if (wait) await wait;
      w.end();
      tap.settle?.();
    }
  } catch (e) {
    tap.settle?.();
    const pe = stopped(rec, w, call.clientGone.aborted ? call.clientGone.reason : e);
    if (!w.closed) await w.write(surface.errorFrame(pe));
  } finally {
    offGone();
    w.end();
  }
}

/** A deployment without additional_drop_params: one shared empty list rather than one per call. */
const NO_REMOVALS: readonly string[] = Object.freeze([]);

const ignoreChunk = (): undefined => undefined;
const ignoreParts = (): undefined => undefined;

/** Runs a surface's prepareStream off the call's own frames: a failure there only means the encoder does the work itself later. */
function prepareStream(surface: Surface, request: CanonicalRequest): void {
  try {
    surface.prepareStream?.(request);
  } catch {
    // the encoder repeats the work at the first part, inside the call, where a failure is reported
  }
}

/**
 * A streamed call that stopped early: before any byte reached the client it is an ordinary
 * failure with its own status (499 when the client left); after, the client saw a 200 and the
 * stream broke. One rule for pass-through and translated streams alike.
 */
function stopped(rec: CallRecord, w: ResponseWriter, e: unknown): ProxyError {
  return w.bytes === 0 ? rec.fail(e) : rec.midStreamError(e);
}

/** An upstream stream that broke before its first byte: nothing reached the client, so another attempt is safe. */
function retryableBreak(e: unknown): unknown {
  const pe = ProxyError.is(e) ? e : undefined;
  if (pe?.code !== 'upstream_stream_error' || pe.retryable) return e;
  return new ProxyError(pe.message, { code: pe.code, kind: pe.kind, retryable: true, cause: pe });
}

/** The client's body without the deployment's additional_drop_params (top-level keys). */
function withoutDropped(body: Record<string, unknown>, d: Deployment): Record<string, unknown> {
  if (!d.dropParams?.length) return body;
  const out = { ...body };
  for (const k of d.dropParams) delete out[k];
  return out;
}

/** The UTF-8 text of bytes, without copying them first (Buffer.from(uint8Array) copies). */
function utf8Text(bytes: Uint8Array): string {
  return Buffer.isBuffer(bytes) ? bytes.toString('utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
