/**
 * A local fake OpenAI-compatible upstream (`POST /chat/completions`) that speaks the
 * documented wire format and can be told to fail: 429 with Retry-After, 500, hang before
 * headers, hang mid-stream, disconnect mid-stream. Records every request it receives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'ok'; text?: string; usage?: { prompt: number; completion: number; cached?: number }; toolCall?: { name: string; args: string } }
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'hang-before-headers' }
  | { kind: 'hang-mid-stream' }
  | { kind: 'disconnect-mid-stream' };

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  closedEarly: boolean;
}

export interface FakeOpenAI {
  url: string;
  received: Received[];
  /** Behaviours consumed one per request; the last one repeats. */
  script(...b: Behaviour[]): void;
  /** Resolves when the n-th request's connection closed (to observe client-abort propagation). */
  closed(n: number): Promise<void>;
  close(): Promise<void>;
}

const sse = (res: ServerResponse, obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  let queue: Behaviour[] = [{ kind: 'ok' }];
  const received: Received[] = [];
  const closeWaiters = new Map<number, () => void>();
  const closedSet = new Set<number>();
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    const n = received.length;
    const entry: Received = { path: req.url ?? '', headers: req.headers, body, closedEarly: false };
    received.push(entry);
    res.on('close', () => {
      if (!res.writableFinished) entry.closedEarly = true;
      closedSet.add(n);
      closeWaiters.get(n)?.();
    });
    const b = queue.length > 1 ? queue.shift()! : queue[0]!;
    const model = String(body.model ?? 'fake');
    switch (b.kind) {
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (b.retryAfter) headers['retry-after'] = b.retryAfter;
        res.writeHead(b.status, headers);
        res.end(JSON.stringify(b.body ?? { error: { message: `fake upstream says ${b.status}`, type: 'server_error', code: null } }));
        return;
      }
      case 'hang-before-headers':
        return; // never answers; the proxy's timeout must fire
      default:
        break;
    }
    const text = b.kind === 'ok' ? (b.text ?? 'Hello from the fake upstream.') : 'partial answer';
    const u = b.kind === 'ok' && b.usage ? b.usage : { prompt: 11, completion: 7, cached: 3 };
    const usage = {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
      prompt_tokens_details: { cached_tokens: u.cached ?? 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const toolCall = b.kind === 'ok' ? b.toolCall : undefined;
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: 1700000000,
          model,
          choices: [
            {
              index: 0,
              message: toolCall
                ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: toolCall.name, arguments: toolCall.args } }] }
                : { role: 'assistant', content: text },
              finish_reason: toolCall ? 'tool_calls' : 'stop',
            },
          ],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1700000000, model };
    const withUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const u0 = withUsage ? { usage: null } : {};
    sse(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...u0 });
    if (toolCall) {
      sse(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: toolCall.name, arguments: '' } }] }, finish_reason: null }], ...u0 });
      const a = toolCall.args;
      for (let i = 0; i < a.length; i += 5) {
        sse(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: a.slice(i, i + 5) } }] }, finish_reason: null }], ...u0 });
      }
    } else {
      for (const word of text.split(/(?<= )/)) {
        sse(res, { ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }], ...u0 });
      }
    }
    if (b.kind === 'hang-mid-stream') return;
    if (b.kind === 'disconnect-mid-stream') {
      setTimeout(() => res.socket?.destroy(), 50); // let the first chunks reach the proxy
      return;
    }
    sse(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: toolCall ? 'tool_calls' : 'stop' }], ...u0 });
    if (withUsage) sse(res, { ...base, choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script(...b) {
      queue = b;
    },
    closed(n) {
      if (closedSet.has(n)) return Promise.resolve();
      return new Promise((r) => closeWaiters.set(n, r));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
