/**
 * What the fake Google servers share: a loopback HTTP server that records every request,
 * Google's JSON error shape (`{error: {code, message, status}}`, what googleapis and
 * google-gax parse into their errors), and body reading.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The body as text (uploads included; binary bodies are decoded as latin1). */
  body: string;
}

/** A Google API error: `status` is the canonical code name (NOT_FOUND, INVALID_ARGUMENT…). */
export class GoogleApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new GoogleApiError(404, 'NOT_FOUND', `${what} not found`);
export const invalid = (message: string) => new GoogleApiError(400, 'INVALID_ARGUMENT', message);

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: unknown): void {
  if (e instanceof GoogleApiError) {
    sendJson(res, e.httpStatus, { error: { code: e.httpStatus, message: e.message, status: e.status, errors: [{ message: e.message, domain: 'global', reason: e.status.toLowerCase() }] } });
    return;
  }
  const message = (e as Error)?.stack ?? String(e);
  sendJson(res, 500, { error: { code: 500, message: `fake server error: ${message}`, status: 'INTERNAL' } });
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => unknown;

export interface FakeServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1 (an ephemeral port); errors become Google error bodies. */
export async function serve(handler: Handler, port = 0): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: body.toString('latin1') });
      await handler(req, res, body, new URL(req.url ?? '/', 'http://fake'));
    } catch (e) {
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
