import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnthropicBackend } from '../../src/proxy/backends/anthropic/index.ts';
import { closeUpstreamAgent } from '../../src/proxy/upstream/http.ts';
import { collectStream } from '../../src/canonical/form.ts';
import type { Deployment } from '../../src/config/types.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { callOptions, captureLogger, deployment, isTtftTimeout, request } from './helpers/call-options.ts';
import { json, sse, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.ts';
import { collect, collectText, fixture } from './helpers/streams.ts';

const KEY = 'sk-ant-test-SECRET-123';
let up: FakeUpstream;
const backend = new AnthropicBackend();
const dep = (over: Partial<Deployment> = {}) =>
  deployment({ provider: 'anthropic', model: 'claude-sonnet-4-5', apiBase: up.url, apiKey: KEY, ...over });

before(async () => {
  up = await startFakeUpstream((_req, res) => sse(res, fixture('anthropic', 'text-then-tool.chunks')));
});
after(async () => {
  await up.close();
  await closeUpstreamAgent();
});

const messageJson = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'hi' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 1, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 },
};

describe('AnthropicBackend', () => {
  test('WIRE: pass-through — same body with the upstream model, x-api-key + anthropic-version, unknown anthropic-beta flags forwarded, bytes back unchanged', async () => {
    up.handle((_req, res) => sse(res, fixture('anthropic', 'text-then-tool.chunks')));
    const n = up.requests.length;
    const body = { model: 'shared-model', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }], context_management: { x: 1 } };
    const raw = await backend.passthrough(
      {
        dialect: 'anthropic',
        body,
        // Client credentials must never travel upstream, even if a caller forgot to strip them.
        headers: { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219,some-future-beta-2099-01-01', 'x-api-key': 'client-key', authorization: 'Bearer client-token' },
      },
      callOptions(dep({ extraHeaders: { 'x-extra': 'e' } })),
    );
    assert.equal(raw.status, 200);
    const text = Buffer.from(await raw.readAll()).toString('utf8');
    assert.equal(text, Buffer.from(fixture('anthropic', 'text-then-tool.chunks')).toString('utf8'));
    const got = up.requests[n]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/v1/messages');
    assert.deepEqual(got.body, { ...body, model: 'claude-sonnet-4-5' });
    assert.equal(got.headers['x-api-key'], KEY);
    assert.equal(got.headers['anthropic-version'], '2023-06-01');
    assert.equal(got.headers['anthropic-beta'], 'claude-code-20250219,some-future-beta-2099-01-01');
    assert.equal(got.headers['x-extra'], 'e');
    assert.equal(got.headers.authorization, undefined);
  });

  test('apiBase may end in /v1; anthropic-version defaults to 2023-06-01', async () => {
    up.handle((_req, res) => json(res, 200, messageJson));
    const n = up.requests.length;
    await backend.generate(request(), callOptions(dep({ apiBase: `${up.url}/v1/` })));
    assert.equal(up.requests[n]!.path, '/v1/messages');
    assert.equal(up.requests[n]!.headers['anthropic-version'], '2023-06-01');
  });

  test('generate: canonical request encoded for Anthropic, answer decoded with usage normalised', async () => {
    up.handle((_req, res) => json(res, 200, messageJson));
    const n = up.requests.length;
    const res = await backend.generate(request({ stream: true }), callOptions(dep()));
    assert.deepEqual(res.content, [{ type: 'text', text: 'hi' }]);
    assert.deepEqual(res.usage, { input: 13, output: 1, cacheRead: 10, cacheWrite: 0, reasoning: 0 });
    const body = up.requests[n]!.body;
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.stream, false);
    assert.deepEqual(body.system, [{ type: 'text', text: 'You are terse.' }]);
  });

  test('stream: upstream SSE → canonical parts (tool arguments from many deltas intact)', async () => {
    up.handle((_req, res) => sse(res, fixture('anthropic', 'text-then-tool.chunks')));
    const n = up.requests.length;
    const res = await collectStream(await backend.stream(request({ stream: true }), callOptions(dep())));
    assert.equal(up.requests[n]!.body.stream, true);
    assert.equal(res.finish, 'tool_use');
    assert.deepEqual(res.content[1], { type: 'tool-call', id: 'toolu_01WriteA', name: 'Write', args: { file_path: '/tmp/hello.txt', content: 'hi thére\n' } });
  });

  test('WIRE: count_tokens answers from the upstream count endpoint', async () => {
    up.handle((_req, res) => json(res, 200, { input_tokens: 4242 }));
    const n = up.requests.length;
    const count = await backend.countTokens(request({ tools: [{ name: 'Bash', parameters: { type: 'object' } }] }), callOptions(dep()));
    assert.equal(count, 4242);
    const got = up.requests[n]!;
    assert.equal(got.path, '/v1/messages/count_tokens');
    assert.equal(got.body.max_tokens, undefined);
    assert.equal(got.body.model, 'claude-sonnet-4-5');
    assert.equal(got.headers['x-api-key'], KEY);
  });

  test('upstream errors are thrown before the stream starts, classified for the router', async () => {
    const cases: Array<[number, string, Record<string, string>, (e: ProxyError) => void]> = [
      [429, 'rate_limit_error', { 'retry-after': '2' }, (e) => (assert.equal(e.kind, 'rate_limit'), assert.equal(e.retryable, true), assert.equal(e.retryAfterMs, 2000))],
      [529, 'overloaded_error', {}, (e) => (assert.equal(e.kind, 'overloaded'), assert.equal(e.retryable, true))],
      [500, 'api_error', {}, (e) => (assert.equal(e.kind, 'api_error'), assert.equal(e.retryable, true))],
      [401, 'authentication_error', {}, (e) => (assert.equal(e.kind, 'authentication'), assert.equal(e.retryable, false))],
      [404, 'not_found_error', {}, (e) => (assert.equal(e.kind, 'not_found'), assert.equal(e.retryable, false))],
      [400, 'invalid_request_error', {}, (e) => (assert.equal(e.kind, 'invalid_request'), assert.equal(e.retryable, false))],
    ];
    for (const [status, type, headers, check] of cases) {
      up.handle((_req, res) => json(res, status, { type: 'error', error: { type, message: `upstream ${type}` } }, headers));
      for (const call of [() => backend.stream(request({ stream: true }), callOptions(dep())), () => backend.generate(request(), callOptions(dep()))]) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(e instanceof ProxyError);
          assert.equal(e.upstreamStatus, status);
          assert.equal(e.message, `upstream ${type}`);
          check(e);
          return true;
        });
      }
    }
  });

  test('an error event before any content is thrown (retryable); after content it is an error part', async () => {
    up.handle((_req, res) =>
      sse(
        res,
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":1}}}\n\n' +
          'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ),
    );
    await assert.rejects(backend.stream(request({ stream: true }), callOptions(dep())), (e: unknown) => e instanceof ProxyError && e.kind === 'overloaded' && e.retryable);
    up.handle((_req, res) => sse(res, fixture('anthropic', 'error-mid-stream.chunks')));
    const parts = await collect(await backend.stream(request({ stream: true }), callOptions(dep())));
    assert.equal(parts.at(-1)?.type, 'error');
    assert.ok(parts.some((p) => p.type === 'text-delta'));
  });

  test('TTFT timeout: an upstream that never answers is a retryable timeout', async () => {
    up.handle(() => {}); // never answers
    await assert.rejects(backend.stream(request({ stream: true }), callOptions(dep({ ttftTimeoutMs: 150 }), { stream: true })), isTtftTimeout);
  });

  test('total timeout: a stream that stalls after its first content errors with a retryable timeout', async () => {
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":1}}}\n\n');
      res.write('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
      // …and nothing more
    });
    const stream = await backend.stream(request({ stream: true }), callOptions(dep({ timeoutMs: 300 })));
    await assert.rejects(collect(stream), (e: unknown) => e instanceof ProxyError && e.kind === 'timeout' && e.code === 'upstream_timeout' && e.retryable);
  });

  test('a client abort stops the upstream request', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((r) => (closed = r));
    up.handle((_req, res) => {
      res.on('close', () => closed());
    });
    const ac = new AbortController();
    const p = backend.stream(request({ stream: true }), callOptions(dep(), { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: unknown) => e instanceof ProxyError && e.kind === 'client_closed');
    await upstreamClosed;
  });

  test('the API key never reaches the logs', async () => {
    const { log, lines } = captureLogger();
    up.handle((_req, res) => json(res, 200, messageJson));
    await backend.generate(
      request({ messages: [{ role: 'assistant', content: [{ type: 'reasoning', text: 'unsigned' }] }, { role: 'user', content: [{ type: 'text', text: 'x' }] }] }),
      callOptions(dep(), { log }),
    );
    assert.ok(lines.length > 0, 'the dropped thinking block was logged');
    assert.ok(lines.every((l) => !l.includes(KEY)));
  });
});
