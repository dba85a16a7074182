/**
 * One pooled undici Agent shared by the HTTP backends (keep-alive connections per origin),
 * and a POST helper that applies an attempt's deadlines, feeds the upstream timer and turns
 * the body into a web ReadableStream without buffering it.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { ProxyError } from '../../canonical/errors.ts';
import type { CallOptions } from '../backends/types.ts';
import { startDeadline, type Deadline } from './deadline.ts';

let sharedAgent: Agent | undefined;

/** The process-wide keep-alive pool. undici's own header/body timeouts are off: our deadlines apply. */
export function upstreamAgent(): Agent {
  sharedAgent ??= new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 512,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return sharedAgent;
}

export async function closeUpstreamAgent(): Promise<void> {
  const a = sharedAgent;
  sharedAgent = undefined;
  if (a) await a.close();
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, streamed; reading it to the end (or cancelling it) finishes the attempt. */
  readonly body: ReadableStream<Uint8Array>;
  /**
   * The same body as a plain async iterator, cheaper than a web stream on the pass-through
   * hot path (no per-chunk promise hops through stream controllers). Use one or the other.
   */
  chunks(): AsyncIterable<Uint8Array>;
}

export type ErrorDecoder = (status: number, text: string, headers: Record<string, string>) => ProxyError;

function flattenHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * POSTs JSON upstream. Resolves with a 2xx response whose body is streamed; throws a
 * ProxyError (decoded from the upstream's error body) for any other status, for a connection
 * failure (retryable) and for a timeout.
 */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  o: CallOptions,
  decodeError: ErrorDecoder,
): Promise<UpstreamResponse> {
  const dl = startDeadline(o.signal, {
    totalMs: o.deployment.timeoutMs,
    ttftMs: o.deployment.ttftTimeoutMs,
    model: o.deployment.model,
  });
  o.timer.begin();
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(body),
      signal: dl.signal,
      dispatcher: upstreamAgent(),
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
  if (res.statusCode < 200 || res.statusCode >= 300) {
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // the body is best effort; the status alone still classifies the error
    }
    o.timer.end();
    dl.done();
    throw decodeError(res.statusCode, text, resHeaders);
  }
  const src = res.body;
  let web: ReadableStream<Uint8Array> | undefined;
  return {
    status: res.statusCode,
    headers: resHeaders,
    get body() {
      return (web ??= timedBody(src, dl, o));
    },
    chunks: () => timedChunks(src, dl, o),
  };
}

/**
 * The upstream body as an async iterator: the first byte stops the TTFT timer; the end, an
 * error or an early `return()` closes the attempt (timer, deadlines, socket).
 */
async function* timedChunks(src: Dispatcher.ResponseData['body'], dl: Deadline, o: CallOptions): AsyncGenerator<Uint8Array> {
  let first = true;
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        dl.firstByte();
        o.timer.firstByte();
      }
      yield chunk;
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
function timedBody(src: Dispatcher.ResponseData['body'], dl: Deadline, o: CallOptions): ReadableStream<Uint8Array> {
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

function midStreamError(e: unknown): ProxyError {
  return new ProxyError(`upstream stream broke: ${(e as Error)?.message ?? String(e)}`, {
    code: 'upstream_stream_error',
    kind: 'bad_gateway',
    retryable: false,
    cause: e,
  });
}

/** Reads a whole (non-streamed) JSON body. */
export async function readJson(body: ReadableStream<Uint8Array>): Promise<unknown> {
  const text = await new Response(body).text();
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
