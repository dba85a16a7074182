/**
 * Reading request bodies with a size limit and writing responses (JSON or streamed bytes)
 * to node:http, with backpressure and byte counting. Framework types stop here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../canonical/errors.ts';
import { parseJsonBytes, stringifyJsonBytes } from '../util/json-bytes.ts';
import { withProps } from '../util/objects.ts';
import type { ClientGone } from './client-gone.ts';

/**
 * Reads a request body of at most `limit` bytes, which must arrive within `timeoutMs` (a body
 * trickled byte by byte would otherwise hold a connection and a handler forever). While it
 * arrives the chunks are only collected; `onReceived` is called the moment the last byte is
 * in, before they are joined (the end of the wait on the client; see CallRecord.clientWaitMs).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs = 0, onReceived?: () => void): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can answer
    return Promise.reject(tooLarge(declared, limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            // Stop reading; the server answers 408 and closes the connection (the rest never came).
            finish();
            req.pause();
            reject(bodyTimeout(size, timeoutMs));
          }, timeoutMs)
        : undefined;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish();
        req.resume();
        reject(tooLarge(size, limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      onReceived?.();
      finish();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (e: Error) => {
      finish();
      reject(e);
    };
    const onClose = () => {
      if (req.complete) return;
      finish();
      reject(new ProxyError('client closed the connection while sending the body', { code: 'client_closed', kind: 'client_closed' }));
    };
    function finish() {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function bodyTimeout(size: number, timeoutMs: number): ProxyError {
  return new ProxyError(
    `the request body did not arrive within ${timeoutMs} ms (${size} bytes received; general_settings.request_body_timeout_ms)`,
    { code: 'request_body_timeout', kind: 'invalid_request', status: 408 },
  );
}

function tooLarge(size: number, limit: number): ProxyError {
  return new ProxyError(`request body of ${size} bytes exceeds the limit of ${limit} bytes (general_settings.max_request_size_mb)`, {
    code: 'request_too_large',
    kind: 'request_too_large',
  });
}

export function parseJsonBody(buf: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseJsonBytes(buf);
  } catch (e) {
    throw new ProxyError(`request body is not valid JSON: ${(e as Error).message}`, {
      code: 'invalid_json',
      kind: 'invalid_request',
    });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ProxyError('request body must be a JSON object', { code: 'invalid_json', kind: 'invalid_request' });
  }
  return v as Record<string, unknown>;
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/** Counts bytes written to a response. */
export class ResponseWriter {
  bytes = 0;
  constructor(readonly res: ServerResponse) {}

  json(status: number, body: unknown, headers?: Record<string, string>): void {
    // A new object either way: raw() adds the content-length to it.
    this.raw(status, stringifyJsonBytes(body), headers ? withProps(JSON_HEADERS, headers) : { 'content-type': 'application/json' });
  }

  /** Sends the whole response; `headers` is the caller's own object and gets the content-length. */
  raw(status: number, body: string | Uint8Array, headers: Record<string, string>): void {
    if (this.res.headersSent) return;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    // Set on the caller's object, not spread into a new one: `{ ...headers, key }` takes V8's
    // slow path (≈ 1 µs against ≈ 40 ns; util/objects.ts).
    headers['content-length'] = String(buf.length);
    this.res.writeHead(status, headers);
    this.res.end(buf);
    this.bytes += buf.length;
  }

  startStream(status: number, headers: Record<string, string> = {}): void {
    if (this.res.headersSent) return;
    this.res.writeHead(status, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    // No flushHeaders(): the status line and headers leave with the first chunk, in one write.
  }

  /** The response is corked until the end of this turn of the event loop (see write). */
  private corked = false;
  private readonly uncorkAtTurnEnd = (): void => {
    this.corked = false;
    // end() flushed and uncorked already (it forces the socket's cork count to 0).
    if (!this.res.writableEnded && !this.res.destroyed) this.res.uncork();
  };

  /**
   * Writes a chunk; resolves at once unless the socket buffer is full. The chunks written in
   * one turn of the event loop leave in one writev: the response is corked at the turn's first
   * write and uncorked when the turn ends (setImmediate), so a stream's last chunk and the
   * chunked-encoding terminator of end() share a syscall (one fewer write, and one fewer
   * wake-up of the client, per streamed response), and nothing waits past the current turn.
   */
  write(chunk: Uint8Array): Promise<void> | undefined {
    this.bytes += chunk.length;
    if (!this.corked && !this.res.destroyed) {
      this.corked = true;
      this.res.cork();
      setImmediate(this.uncorkAtTurnEnd);
    }
    if (this.res.write(chunk)) return undefined;
    if (this.res.destroyed) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }
}
