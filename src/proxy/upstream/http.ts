/**
 * One undici Pool per upstream origin shared by the HTTP backends (keep-alive connections),
 * and a POST helper that applies an attempt's deadlines, feeds the upstream timer and turns
 * the body into a web ReadableStream without buffering it.
 */
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Pool, type Dispatcher } from 'undici';
import { ProxyError } from '../../canonical/errors.ts';
import type { BodyForwarding, CallOptions, ChunkSink } from '../backends/types.ts';
import { startDeadline, type Deadline } from './deadline.ts';
import { stringifyJsonBytes } from '../../util/json-bytes.ts';
import { withProps } from '../../util/objects.ts';

/**
 * The process-wide keep-alive pools, one per origin: what undici's Agent keeps, without the
 * Agent's own dispatch layer on every request (an origin lookup and a second dispatch, a
 * measurable share of the pass-through's CPU). Upstream origins come from the config, so the
 * map stays small. undici's own header/body timeouts are off: our deadlines apply.
 */
const pools = new Map<string, Pool>();

function upstreamPool(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: 512,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    pools.set(origin, pool);
  }
  return pool;
}

/** Closes every upstream pool (the next request opens new ones). */
export async function closeUpstreamAgent(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.close()));
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, streamed; reading it to the end (or cancelling it) finishes the attempt. */
  readonly body: ReadableStream<Uint8Array>;
  // The push readers below are the cheaper alternative (no per-chunk promises); use one or the other.
  /** The first chunk (null: the body was empty; called again, the next one), waited for alone so a break before it can be retried; then `forward` the rest. */
  firstChunk(): Promise<Uint8Array | null>;
  /** Every (remaining) chunk pushed to `onChunk` from the socket's events, without a promise per chunk (see BodyPump). */
  forward(onChunk: ChunkSink): BodyForwarding;
  /** The whole (remaining) body, collected from the socket's events. */
  readAll(): Promise<Uint8Array>;
}


/** Upstream URLs are a few per deployment: each is split into origin and path once. */
const splitUrls = new Map<string, { origin: string; path: string }>();
const MAX_SPLIT_URLS = 1024;

/**
 * Origin and path (with query) of an upstream URL, for the pool's dispatch. undici's top-level
 * request(url) parses a WHATWG URL on every call; that measured as a visible share of the
 * pass-through's CPU, and the URLs come from the config, so they are split once.
 */
function originAndPath(url: string): { origin: string; path: string } {
  let split = splitUrls.get(url);
  if (!split) {
    const parsed = new URL(url);
    split = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (splitUrls.size < MAX_SPLIT_URLS) splitUrls.set(url, split);
  }
  return split;
}

/**
 * What every upstream request carries (the caller's headers added over them). Identity is asked
 * for, so SSE arrives chunk by chunk; an upstream that compresses anyway is decoded below.
 */
const UPSTREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'accept-encoding': 'identity',
});

export type ErrorDecoder = (status: number, text: string, headers: Record<string, string>) => ProxyError;

function flattenHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  // for…in, not Object.entries: no array of pairs per response (undici's headers object is a plain object).
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * POSTs JSON upstream: `body` is a value to serialise, or its UTF-8 bytes already (a
 * pass-through body spliced from the client's bytes). Resolves with a 2xx response whose body
 * is streamed; throws a ProxyError (decoded from the upstream's error body) for any other
 * status, for a connection failure (retryable) and for a timeout.
 */
export async function postJson(
  url: string,
  body: unknown,
  headers: Readonly<Record<string, string>>,
  o: CallOptions,
  decodeError: ErrorDecoder,
): Promise<UpstreamResponse> {
  const dl = startDeadline(o.clientGone ?? o.signal, {
    totalMs: o.deployment.timeoutMs,
    ttftMs: o.stream === true ? o.deployment.ttftTimeoutMs : undefined,
    model: o.deployment.model,
  });
  // Serialised before the request: a body that cannot be (nested too deep) is the caller's
  // problem, never an unreachable upstream.
  let payload: Uint8Array;
  try {
    payload = body instanceof Uint8Array ? body : stringifyJsonBytes(body);
  } catch (e) {
    dl.done();
    throw unprocessable(e);
  }
  o.timer.begin();
  let res: Dispatcher.ResponseData;
  try {
    const { origin, path } = originAndPath(url);
    res = await upstreamPool(origin).request({
      path,
      method: 'POST',
      headers: withProps(UPSTREAM_HEADERS, headers),
      body: payload,
      signal: dl.signal,
    });
  } catch (e) {
    o.timer.end();
    dl.done();
    if (dl.signal.aborted) throw dl.reason();
    throw new ProxyError(`cannot reach upstream ${new URL(url).origin}: ${(e as Error).message}`, {
      code: 'upstream_unreachable',
      kind: 'bad_gateway',
      retryable: true,
      cause: e,
    });
  }
  const resHeaders = flattenHeaders(res.headers);
  const resBody = decoded(res.body, resHeaders);
  if (res.statusCode < 200 || res.statusCode >= 300) {
    let text = '';
    try {
      const parts: Buffer[] = [];
      for await (const c of resBody as AsyncIterable<Buffer>) parts.push(c);
      text = Buffer.concat(parts).toString('utf8');
    } catch {
      // the body is best effort; the status alone still classifies the error
    }
    o.timer.end();
    dl.done();
    throw decodeError(res.statusCode, text, resHeaders);
  }
  // The head came: until the body is read, the proxy's own time again (timedChunks waits per chunk).
  o.timer.end();
  return new TimedResponse(res.statusCode, resHeaders, resBody, dl, o);
}

/**
 * A 2xx upstream response. A class rather than an object literal with a getter (which V8
 * builds through its slow path on every call: visible in the pass-through's profile).
 */
class TimedResponse implements UpstreamResponse {
  private web: ReadableStream<Uint8Array> | undefined;
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    private readonly src: Body,
    private readonly dl: Deadline,
    private readonly o: CallOptions,
  ) {}
  get body(): ReadableStream<Uint8Array> {
    return (this.web ??= timedBody(this.src, this.dl, this.o));
  }
  private pump: BodyPump | undefined;
  firstChunk(): Promise<Uint8Array | null> {
    return (this.pump ??= new BodyPump(this.src, this.dl, this.o)).first();
  }
  forward(onChunk: ChunkSink): BodyForwarding {
    return (this.pump ??= new BodyPump(this.src, this.dl, this.o)).forward(onChunk);
  }
  readAll(): Promise<Uint8Array> {
    return (this.pump ??= new BodyPump(this.src, this.dl, this.o)).collect();
  }
}

const NO_BYTES = new Uint8Array(0);

/**
 * The upstream body read push-style for the pass-through hot path: chunks are handed over
 * synchronously from the body's 'data' events. Hand-written because the async-iterator route
 * (Readable's iterator inside an async generator inside a wrapper) cost several promises and
 * microtask hops per chunk, measured as a visible share of the proxy's CPU per streamed request.
 * The upstream timer and the deadlines are kept as timedChunks keeps them: the timer runs only
 * while a chunk is awaited; the end, an error or `stop()` closes the attempt.
 */
class BodyPump {
  /** The body's end came. */
  private ended = false;
  /** The attempt is closed (end, failure or stop): timer stopped, deadlines cleared, socket released. */
  private closed = false;
  /** Why the body broke, once it did. */
  private failure: unknown;
  private started = false;
  /** Who waits for the end or a failure now (first() or forward()). */
  private waiter: { end(): void; fail(e: unknown): void } | undefined;

  constructor(
    private readonly src: Body,
    private readonly dl: Deadline,
    private readonly o: CallOptions,
  ) {
    // Listened to for the body's whole life: its end may come while reading is paused between
    // first() and forward() (a body that arrived in one chunk ends right after that chunk).
    // `on`, not `once`: a stream emits each of these once (and broke() ignores a closed pump),
    // and `once` wraps every listener in a state object and a bound function, per upstream call.
    src.on('end', () => {
      this.ended = true;
      this.close();
      this.waiter?.end();
    });
    src.on('error', (e: unknown) => this.broke(e));
    src.on('close', () => {
      if (!this.ended && !this.closed) this.broke(new Error('the upstream closed the body before its end'));
    });
  }

  /** The first chunk alone (the next one when called again: a translated stream reads up to its first part); reading pauses after it. */
  first(): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      if (this.ended || this.closed) return resolve(null);
      const onData = (chunk: Buffer) => {
        this.src.pause();
        this.src.off('data', onData);
        this.waiter = undefined;
        this.arrived();
        resolve(chunk);
      };
      this.waiter = {
        end: () => {
          this.src.off('data', onData);
          resolve(null);
        },
        fail: (e) => {
          this.src.off('data', onData);
          reject(e);
        },
      };
      this.o.timer.wait();
      this.src.on('data', onData);
      // Paused by an earlier call: a 'data' listener alone does not restart the flow.
      this.src.resume();
    });
  }

  /**
   * The whole body (a JSON answer), gathered from the same events as forward() gathers them but
   * with one promise and no forwarding handle: every pass-through JSON call reads its answer so.
   */
  collect(): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      if (this.ended || this.closed) return resolve(NO_BYTES);
      const parts: Buffer[] = [];
      const onData = (chunk: Buffer) => {
        this.arrived();
        parts.push(chunk);
        this.o.timer.wait();
      };
      this.waiter = {
        end: () => {
          this.src.off('data', onData);
          this.waiter = undefined;
          resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
        },
        fail: (e) => {
          this.src.off('data', onData);
          this.waiter = undefined;
          reject(e);
        },
      };
      this.o.timer.wait();
      this.src.on('data', onData);
      this.src.resume();
    });
  }

  forward(onChunk: ChunkSink): BodyForwarding {
    let stop = (): void => {};
    const done = new Promise<void>((resolve, reject) => {
      const src = this.src;
      if (this.failure !== undefined) return reject(this.failure);
      if (this.ended || this.closed) return resolve();
      const onData = (chunk: Buffer) => {
        this.arrived();
        let wait: Promise<void> | undefined;
        try {
          wait = onChunk(chunk);
        } catch (e) {
          // The proxy's own failure, not the upstream's: close the attempt and hand it on as it is.
          finish();
          this.close();
          reject(e);
          return;
        }
        if (!wait) return this.o.timer.wait();
        src.pause();
        void wait.then(() => {
          if (this.closed) return;
          this.o.timer.wait();
          src.resume();
        });
      };
      const finish = () => {
        src.off('data', onData);
        this.waiter = undefined;
      };
      this.waiter = {
        end: () => {
          finish();
          resolve();
        },
        fail: (e) => {
          finish();
          reject(e);
        },
      };
      stop = () => {
        finish();
        this.close();
        resolve();
      };
      this.o.timer.wait();
      src.on('data', onData);
      src.resume();
    });
    return { done, stop: () => stop() };
  }

  /** A chunk came: the wait on the upstream ends; the first one stops the TTFT deadline. */
  private arrived(): void {
    this.o.timer.end();
    if (!this.started) {
      this.started = true;
      this.dl.firstByte();
      this.o.timer.firstByte();
    }
  }

  /** The body broke (or a deadline destroyed it): the deadline's own error when one passed. */
  private broke(e: unknown): void {
    if (this.closed) return; // we closed it (stop): the error that follows is expected
    this.failure = this.dl.signal.aborted ? this.dl.reason() : midStreamError(e);
    this.close();
    this.waiter?.fail(this.failure);
  }

  /** Closes the attempt once: timer, deadlines, socket. */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.o.timer.end();
    this.dl.done();
    // undici's body errors when destroyed before its end (RequestAbortedError): expected here.
    this.src.on('error', ignoreError);
    if (!this.src.destroyed) this.src.destroy();
  }
}

const ignoreError = (): void => {};

type Body = Dispatcher.ResponseData['body'] | Readable;

/**
 * The body with its Content-Encoding (gzip, deflate, br) undone: every reader downstream (the
 * pass-through tap, JSON parsing, SSE decoders, error decoding) sees plain bytes. The encoding
 * header is dropped from `headers` so nothing forwards it with decoded bytes.
 */
function decoded(body: Dispatcher.ResponseData['body'], headers: Record<string, string>): Body {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return body;
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return body; // an encoding we do not know: pass the bytes as they are
  delete headers['content-encoding'];
  delete headers['content-length'];
  body.on('error', (e) => decoder.destroy(e));
  decoder.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  return body.pipe(decoder);
}

/**
 * The upstream body as an async iterator: the first byte stops the TTFT timer; the end, an
 * error or an early `return()` closes the attempt (timer, deadlines, socket). The upstream
 * timer runs only while a chunk is awaited: what the consumer does with a chunk (between the
 * `yield` and its next read) is the proxy's own time.
 */
async function* timedChunks(src: Body, dl: Deadline, o: CallOptions): AsyncGenerator<Uint8Array> {
  let first = true;
  try {
    o.timer.wait();
    for await (const chunk of src as AsyncIterable<Buffer>) {
      o.timer.end();
      if (first) {
        first = false;
        dl.firstByte();
        o.timer.firstByte();
      }
      yield chunk;
      o.timer.wait();
    }
  } catch (e) {
    throw dl.signal.aborted ? dl.reason() : midStreamError(e);
  } finally {
    o.timer.end();
    dl.done();
    if (!src.destroyed) src.destroy();
  }
}

/** The same body as a web ReadableStream, for the translating paths that pipe it through decoders. */
function timedBody(src: Body, dl: Deadline, o: CallOptions): ReadableStream<Uint8Array> {
  const chunks = timedChunks(src, dl, o);
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        try {
          const { value, done } = await chunks.next();
          if (done) ctrl.close();
          else ctrl.enqueue(value);
        } catch (e) {
          ctrl.error(e);
        }
      },
      async cancel() {
        // Close the attempt at once, even before the first read or while one is pending (a
        // generator that never started skips its finally); both calls are idempotent.
        o.timer.end();
        dl.done();
        src.destroy();
        await chunks.return(undefined).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/** A request the proxy cannot process (e.g. JSON nested deeper than the stack allows): a 400, never retried. */
export function unprocessable(e: unknown): ProxyError {
  return new ProxyError(`the request cannot be processed: ${(e as Error)?.message ?? String(e)}`, {
    code: 'request_unprocessable',
    kind: 'invalid_request',
    retryable: false,
    cause: e,
  });
}

function midStreamError(e: unknown): ProxyError {
  return new ProxyError(`upstream stream broke: ${(e as Error)?.message ?? String(e)}`, {
    code: 'upstream_stream_error',
    kind: 'bad_gateway',
    retryable: false,
    cause: e,
  });
}

/** Reads a whole (non-streamed) JSON body, collected from the socket's events (no web stream on the translated JSON path). */
export async function readJson(res: UpstreamResponse): Promise<unknown> {
  const bytes = await res.readAll();
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ProxyError(`upstream sent invalid JSON: ${text.slice(0, 200)}`, {
      code: 'upstream_bad_json',
      kind: 'bad_gateway',
      cause: e,
    });
  }
}
