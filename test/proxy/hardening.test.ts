/**
 * Failure paths of a real proxy against a scripted upstream, with the official SDKs and raw
 * sockets: Retry-After honoured only up to the cap (with a real wait under it), stream_timeout
 * only for streams, breaks before any content retried, unprocessable bodies as 400s, honest
 * overhead and retry wait, one status for a client that leaves, compressed upstream bodies,
 * cell id checks, bounded metrics labels, unpriced models, wildcards, rpm limits, dropped params.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';
import { describe, test, after } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { sleep as abortableSleep } from '../../src/util/sleep.ts';
import { createLogger } from '../../src/util/log.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, n: number) => void | Promise<void>;

interface Upstream {
  url: string;
  bodies: Record<string, unknown>[];
  /** Handlers consumed one per request; the last one repeats. */
  script(...h: Handler[]): void;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  let queue: Handler[] = [];
  const bodies: Record<string, unknown>[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    bodies.push(body);
    const h = queue.length > 1 ? queue.shift()! : queue[0]!;
    await h(req, res, body, bodies.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    script(...h) {
      queue = h;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const completion = (model = 'm', text = 'ok') => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
});

const sseBody = (text = 'streamed') =>
  [
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] },
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } },
  ]
    .map((o) => `data: ${JSON.stringify(o)}\n\n`)
    .join('') + 'data: [DONE]\n\n';

const ok: Handler = (_req, res, body) => {
  if (body.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(sseBody());
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion(String(body.model))));
  }
};
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message: `upstream says ${code}`, type: 'rate_limit_error', code: null } }));
  };
/** Answers 200 headers, then drops the connection before any body byte. */
const breakBeforeBody: Handler = (_req, res, body) => {
  res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json', 'content-length': '500' });
  res.flushHeaders();
  setTimeout(() => res.socket?.destroy(), 20);
};
const delayed =
  (ms: number): Handler =>
  async (req, res, body, n) => {
    await sleep(ms);
    if (!res.destroyed) await ok(req, res, body, n);
  };

const realSleep = { sleep: abortableSleep };
const chat = (proxy: TestProxy, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'any', maxRetries: 0, ...extra });
const msg = [{ role: 'user' as const, content: 'hi' }];

describe('proxy hardening', { timeout: 300_000 }, async () => {
  const up = await startUpstream();
  const yaml = (extra = '') => `model_list:
  - model_name: up
    litellm_params: {model: openai/gpt-4o, api_base: "${up.url}", api_key: sk-up, timeout: 10, stream_timeout: 0.3}
${extra}`;
  after(async () => {
    await up.close();
  });

  describe('Retry-After', () => {
    test('beyond the cap: the 429 comes back at once with the upstream\'s Retry-After, logged as 429', async () => {
      up.script(status(429, { 'retry-after': '3600' }));
      const proxy = await startTestProxy(yaml(), {}, { router: realSleep });
      try {
        const t0 = Date.now();
        const e = await chat(proxy).chat.completions.create({ model: 'up', messages: msg }).catch((x: unknown) => x);
        assert.ok(e instanceof OpenAI.APIError && e.status === 429, String(e));
        assert.equal(e.headers?.get('retry-after'), '3600');
        assert.ok(Date.now() - t0 < 30_000, 'the client was not held for the Retry-After');
        const [rec] = await proxy.spend();
        assert.equal(rec!.status, 429);
        assert.equal(rec!.attempts, 1);
        assert.equal(rec!.retryWaitMs, 0);
      } finally {
        await proxy.close(0);
      }
    });

    test('under the cap: waited out for real, then retried; the wait is retryWaitMs, not overhead', async () => {
      up.script(status(429, { 'retry-after': '1' }), ok);
      const proxy = await startTestProxy(yaml(), {}, { router: realSleep });
      try {
        const res = await chat(proxy).chat.completions.create({ model: 'up', messages: msg });
        assert.equal(res.choices[0]!.message.content, 'ok');
        const [rec] = await proxy.spend();
        assert.equal(rec!.status, 200);
        assert.equal(rec!.attempts, 2);
        assert.ok(rec!.retryWaitMs >= 990, `retryWaitMs ${rec!.retryWaitMs}`);
        assert.ok(Math.abs(rec!.durationMs - rec!.upstreamMs - rec!.retryWaitMs - rec!.clientWaitMs - rec!.overheadMs) < 0.01);
      } finally {
        await proxy.close(0);
      }
    });

    test('a request that finally fails after backoff keeps the backoff out of overheadMs', async () => {
      up.script(status(500));
      const proxy = await startTestProxy(yaml('router_settings: {num_retries: 2, retry_base_ms: 300}'), {}, { router: realSleep });
      try {
        const e = await chat(proxy).chat.completions.create({ model: 'up', messages: msg }).catch((x: unknown) => x);
        assert.ok(e instanceof OpenAI.APIError && e.status === 500);
        const [rec] = await proxy.spend();
        assert.equal(rec!.attempts, 3);
        assert.ok(rec!.retryWaitMs >= 300, `two backoffs of at least 150 ms each: ${rec!.retryWaitMs}`);
        assert.ok(Math.abs(rec!.durationMs - rec!.upstreamMs - rec!.retryWaitMs - rec!.clientWaitMs - rec!.overheadMs) < 0.01);
      } finally {
        await proxy.close(0);
      }
    });
  });

  test('stream_timeout applies to streams only: a slow non-stream answer is waited for once', async () => {
    up.script(delayed(800));
    const proxy = await startTestProxy(yaml());
    try {
      const res = await chat(proxy).chat.completions.create({ model: 'up', messages: msg });
      assert.equal(res.choices[0]!.message.content, 'ok');
      const e = await chat(proxy).chat.completions.create({ model: 'up', messages: msg, stream: true }).catch((x: unknown) => x);
      assert.ok(e instanceof OpenAI.APIError && e.status === 504, String(e));
      const [json, stream] = await proxy.spend();
      assert.equal(json!.attempts, 1);
      assert.equal(json!.status, 200);
      assert.equal(stream!.error?.code, 'upstream_ttft_timeout');
    } finally {
      await proxy.close(0);
    }
  });

  test('a connection that breaks before any content is retried: JSON, pass-through stream, translated stream', async () => {
    const proxy = await startTestProxy(yaml());
    try {
      up.script(breakBeforeBody, ok);
      assert.equal((await chat(proxy).chat.completions.create({ model: 'up', messages: msg })).choices[0]!.message.content, 'ok');
      up.script(breakBeforeBody, ok);
      let text = '';
      for await (const c of await chat(proxy).chat.completions.create({ model: 'up', messages: msg, stream: true })) text += c.choices[0]?.delta?.content ?? '';
      assert.equal(text, 'streamed');
      up.script(breakBeforeBody, ok);
      const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'any', maxRetries: 0 });
      const s = anthropic.messages.stream({ model: 'up', max_tokens: 50, messages: msg });
      const final = await s.finalMessage();
      assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : '', 'streamed');
      const recs = await proxy.spend();
      assert.deepEqual(recs.map((r) => [r.status, r.attempts]), [[200, 2], [200, 2], [200, 2]]);
    } finally {
      await proxy.close(0);
    }
  });

  test('a body nested 10,000 levels deep is a 400 in the caller\'s shape, never retried or sent upstream', async () => {
    up.script(ok);
    const before = up.bodies.length;
    const proxy = await startTestProxy(yaml());
    try {
      const deep = '['.repeat(10_000) + ']'.repeat(10_000);
      for (const [path, body] of [
        ['/v1/chat/completions', `{"model":"up","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deep}}}`],
        ['/v1/messages', `{"model":"up","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"tools":[{"name":"t","input_schema":{"type":"object","properties":{"a":${'{"type":"array","items":'.repeat(5000) + '{}' + '}'.repeat(5000)}}}}]}`],
      ] as const) {
        const res = await fetch(proxy.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(res.status, 400, `${path}: ${res.status} ${await res.clone().text()}`);
        const json = (await res.json()) as { error: { type: string } };
        assert.match(json.error.type, /invalid_request_error/);
      }
      assert.equal(up.bodies.length, before, 'nothing reached the upstream');
      const recs = await proxy.spend();
      for (const r of recs) assert.ok(r.attempts <= 1 && r.status === 400, JSON.stringify(r));
    } finally {
      await proxy.close(0);
    }
  });

  test('a client that leaves before the first byte is a 499 on every path', async () => {
    up.script(delayed(1500));
    const proxy = await startTestProxy(yaml());
    try {
      const leave = async (p: Promise<unknown>, ctrl: AbortController) => {
        await sleep(300);
        ctrl.abort();
        await p.catch(() => {});
      };
      for (const stream of [false, true]) {
        const ctrl = new AbortController();
        await leave(chat(proxy).chat.completions.create({ model: 'up', messages: msg, stream }, { signal: ctrl.signal }), ctrl);
      }
      const ctrl = new AbortController();
      const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'any', maxRetries: 0 });
      await leave(anthropic.messages.create({ model: 'up', max_tokens: 5, stream: true, messages: msg }, { signal: ctrl.signal }), ctrl);
      await sleep(1800); // the upstream answers meanwhile; the records are written when each call ends
      const recs = await proxy.spend();
      assert.equal(recs.length, 3);
      for (const r of recs) {
        assert.equal(r.status, 499, JSON.stringify(r));
        assert.equal(r.error?.code, 'client_closed');
      }
    } finally {
      await proxy.close(0);
    }
  });

  test('gzip, deflate and br upstream bodies are decoded on every path', async () => {
    const proxy = await startTestProxy(yaml());
    try {
      for (const [encoding, enc] of [
        ['gzip', gzipSync],
        ['deflate', deflateSync],
        ['br', brotliCompressSync],
      ] as const) {
        const compressed: Handler = (_req, res, body) => {
          const payload = body.stream ? sseBody(encoding) : JSON.stringify(completion('m', encoding));
          res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json', 'content-encoding': encoding });
          res.end(enc(Buffer.from(payload)));
        };
        up.script(compressed);
        assert.equal((await chat(proxy).chat.completions.create({ model: 'up', messages: msg })).choices[0]!.message.content, encoding);
        let text = '';
        for await (const c of await chat(proxy).chat.completions.create({ model: 'up', messages: msg, stream: true })) text += c.choices[0]?.delta?.content ?? '';
        assert.equal(text, encoding);
        const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'any', maxRetries: 0 });
        const m = await anthropic.messages.create({ model: 'up', max_tokens: 5, messages: msg });
        assert.equal(m.content[0]?.type === 'text' ? m.content[0].text : '', encoding);
        up.script((_req, res) => {
          res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': encoding });
          res.end(enc(Buffer.from(JSON.stringify({ error: { message: `bad ${encoding} request`, type: 'invalid_request_error', code: null } }))));
        });
        const e = await chat(proxy).chat.completions.create({ model: 'up', messages: msg }).catch((x: unknown) => x);
        assert.ok(e instanceof OpenAI.APIError && e.status === 400 && e.message.includes(`bad ${encoding} request`), String(e));
      }
      assert.equal(up.bodies.length > 0, true);
    } finally {
      await proxy.close(0);
    }
  });

  test('cell ids: X-Cell-Id is checked like the path prefix; bad ids are a clear 400', async () => {
    up.script(ok);
    const proxy = await startTestProxy(yaml());
    try {
      const post = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          // `path` as an option: a URL string would have its `..` segments resolved by the client.
          const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
            let body = '';
            res.on('data', (b: Buffer) => (body += b.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end(JSON.stringify({ model: 'up', messages: msg }));
        });
      for (const [path, headers] of [
        ['/v1/chat/completions', { 'x-cell-id': 'x'.repeat(10_000) }],
        ['/v1/chat/completions', { 'x-cell-id': 'has space' }],
        ['/v1/chat/completions', { 'x-cell-id': '../../x' }],
        ['/cell/../v1/chat/completions', {}],
        ['/cell/%2e%2e/v1/chat/completions', {}],
      ] as const) {
        const r = await post(path, headers);
        assert.equal(r.status, 400, `${path} ${JSON.stringify(headers).slice(0, 60)}: ${r.status}`);
        assert.match(r.body, /invalid cell id/);
      }
      assert.equal((await post('/cell/abc123/v1/chat/completions')).status, 200);
      assert.equal((await post('/v1/chat/completions', { 'x-cell-id': 'cell-7.a:b_c' })).status, 200);
      const recs = await proxy.spend();
      assert.deepEqual(recs.map((r) => r.cell), ['abc123', 'cell-7.a:b_c']);
    } finally {
      await proxy.close(0);
    }
  });

  test('/metrics: only configured aliases get labels, everything else is `unknown`, values are printable', async () => {
    up.script(ok);
    const proxy = await startTestProxy(yaml());
    try {
      for (let i = 0; i < 250; i++) {
        await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: `nope-${i}\u001b[31m`, messages: msg }) });
      }
      await chat(proxy).chat.completions.create({ model: 'up', messages: msg });
      const text = await (await fetch(`${proxy.url}/metrics`)).text();
      const labels = new Set([...text.matchAll(/alias="([^"]*)"/g)].map((m) => m[1]));
      assert.deepEqual([...labels].sort(), ['unknown', 'up']);
      assert.ok(!text.includes('\u001b'));
      assert.match(text, /agentab_requests_total\{alias="unknown",surface="openai",status="404"\} 250/);
    } finally {
      await proxy.close(0);
    }
  });

  test('an unpriced model logs costUsd null with priced: false and warns once', async () => {
    up.script(ok);
    const lines: string[] = [];
    const proxy = await startTestProxy(
      `model_list:\n  - model_name: mystery\n    litellm_params: {model: openai/mystery-model-9, api_base: "${up.url}", api_key: sk-up}\n`,
      {},
      { log: createLogger('warn', (l) => lines.push(l)) },
    );
    try {
      await chat(proxy).chat.completions.create({ model: 'mystery', messages: msg });
      await chat(proxy).chat.completions.create({ model: 'mystery', messages: msg });
      const recs = await proxy.spend();
      for (const r of recs) {
        assert.equal(r.costUsd, null);
        assert.equal(r.priced, false);
      }
      assert.equal(lines.filter((l) => l.includes('no price for model "mystery-model-9"')).length, 1);
    } finally {
      await proxy.close(0);
    }
  });

  test('wildcard names route the requested model through; rpm limits move calls to another deployment, then 429', async () => {
    up.script(ok);
    const proxy = await startTestProxy(`model_list:
  - model_name: "openai/*"
    litellm_params: {model: "openai/*", api_base: "${up.url}", api_key: sk-up}
  - model_name: "*"
    litellm_params: {model: "openai/*", api_base: "${up.url}", api_key: sk-up}
  - model_name: limited
    litellm_params: {model: openai/first, api_base: "${up.url}", api_key: sk-up, rpm: 2}
  - model_name: limited
    litellm_params: {model: openai/second, api_base: "${up.url}", api_key: sk-up}
    rpm: 1
  - model_name: drops
    litellm_params: {model: openai/dropper, api_base: "${up.url}", api_key: sk-up, additional_drop_params: [temperature, metadata]}
router_settings: {routing_strategy: round-robin}
`);
    try {
      const sent = () => up.bodies.at(-1)!;
      await chat(proxy).chat.completions.create({ model: 'openai/gpt-4.1-mini', messages: msg });
      assert.equal(sent().model, 'gpt-4.1-mini');
      await chat(proxy).chat.completions.create({ model: 'some-local-model', messages: msg });
      assert.equal(sent().model, 'some-local-model');
      const models: string[] = [];
      for (let i = 0; i < 3; i++) {
        await chat(proxy).chat.completions.create({ model: 'limited', messages: msg });
        models.push(String(sent().model));
      }
      assert.deepEqual(models.sort(), ['first', 'first', 'second']);
      const e = await chat(proxy).chat.completions.create({ model: 'limited', messages: msg }).catch((x: unknown) => x);
      assert.ok(e instanceof OpenAI.APIError && e.status === 429, String(e));
      assert.ok(Number(e.headers?.get('retry-after')) > 0);
      await chat(proxy).chat.completions.create({ model: 'drops', messages: msg, temperature: 0.3, metadata: { a: 'b' } });
      assert.equal(sent().temperature, undefined);
      assert.equal(sent().metadata, undefined);
      const recs = await proxy.spend();
      assert.deepEqual(recs.slice(0, 2).map((r) => [r.alias, r.deployment, r.upstreamModel]), [
        ['openai/gpt-4.1-mini', 'openai/*#0', 'gpt-4.1-mini'],
        ['some-local-model', '*#0', 'some-local-model'],
      ]);
      assert.equal(recs[5]!.error?.code, 'deployment_limit_reached');
    } finally {
      await proxy.close(0);
    }
  });
});
