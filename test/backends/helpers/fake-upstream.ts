/**
 * A recording HTTP server on 127.0.0.1 (port from listen(0)) standing in for Anthropic or
 * Vertex. Each request is recorded with its exact path, headers and parsed body, then
 * answered by the test's handler.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  requests: Recorded[];
  /** Replace the handler for the following requests. */
  handle(h: Handler): void;
  close(): Promise<void>;
}

export async function startFakeUpstream(initial: Handler): Promise<FakeUpstream> {
  let handler = initial;
  const requests: Recorded[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const rec: Recorded = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    requests.push(rec);
    await handler(rec, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sse(res: ServerResponse, bytes: Uint8Array | string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(bytes);
}
