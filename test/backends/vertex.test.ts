import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VertexBackend } from '../../src/proxy/backends/vertex/index.ts';
import { locationBase, vertexTarget } from '../../src/proxy/backends/vertex/endpoints.ts';
import type { TokenProvider } from '../../src/proxy/backends/vertex/auth.ts';
import { closeUpstreamAgent } from '../../src/proxy/upstream/http.ts';
import { collectStream } from '../../src/canonical/form.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import type { Deployment } from '../../src/config/types.ts';
import { callOptions, captureLogger, deployment, isTtftTimeout, request } from './helpers/call-options.ts';
import { json, sse, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.ts';
import { fixture } from './helpers/streams.ts';

/** A token provider that hands out tok-1, tok-2 … and counts invalidations. */
function countingTokens() {
  let n = 0;
  const state = { fetches: 0, invalidations: 0, current: '' };
  const provider: TokenProvider = {
    async getToken() {
      if (!state.current) {
        state.fetches++;
        state.current = `ya29.tok-${++n}`;
      }
      return state.current;
    },
    invalidate() {
      state.invalidations++;
      state.current = '';
    },
  };
  return { provider, state };
}

let up: FakeUpstream;
const tokens = countingTokens();
const backend = new VertexBackend({ tokenProvider: () => tokens.provider });
const dep = (over: Partial<Deployment> = {}) =>
  deployment({ provider: 'vertex_ai', model: 'gemini-2.5-flash', apiBase: up.url, vertexProject: 'my-proj', vertexLocation: 'us-central1', ...over });
const BASE = '/v1/projects/my-proj/locations/us-central1';

before(async () => {
  up = await startFakeUpstream((_req, res) => sse(res, fixture('gemini', 'thinking-then-call.chunks')));
});
after(async () => {
  await up.close();
  await closeUpstreamAgent();
});

describe('Vertex endpoints', () => {
  test('WIRE: host is {LOC}-aiplatform.googleapis.com, or aiplatform.googleapis.com for LOC=global', () => {
    const d = (loc: string) => deployment({ provider: 'vertex_ai', model: 'gemini-2.5-flash', vertexProject: 'p', vertexLocation: loc });
    assert.equal(locationBase(d('us-east5')), 'https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5');
    assert.equal(locationBase(d('global')), 'https://aiplatform.googleapis.com/v1/projects/p/locations/global');
    assert.equal(locationBase({ ...d('global'), apiBase: 'http://127.0.0.1:1/v1/' }), 'http://127.0.0.1:1/v1/projects/p/locations/global');
    assert.throws(() => locationBase({ ...d('x'), vertexProject: undefined }), (e: unknown) => e instanceof ProxyError && e.code === 'vertex_no_project');
  });

  test('the model picks the API: claude… → Claude rawPredict, openai/<m> → OpenAI-compatible google/<m>, else Gemini native', () => {
    const t = (model: string) => vertexTarget(deployment({ provider: 'vertex_ai', model }));
    assert.deepEqual(t('gemini-2.5-flash'), { mode: 'gemini', model: 'gemini-2.5-flash' });
    assert.deepEqual(t('openai/gemini-2.5-flash'), { mode: 'openai', model: 'google/gemini-2.5-flash' });
    assert.deepEqual(t('claude-sonnet-4@20250514'), { mode: 'anthropic', model: 'claude-sonnet-4@20250514' });
    assert.deepEqual(t('anthropic/claude-opus-4-1'), { mode: 'anthropic', model: 'claude-opus-4-1' });
  });
});

describe('VertexBackend — Gemini native', () => {
  test('WIRE: stream → POST …/publishers/google/models/{M}:streamGenerateContent?alt=sse with a bearer token; body is generateContent (no cache_control)', async () => {
    up.handle((_req, res) => sse(res, fixture('gemini', 'thinking-then-call.chunks')));
    const n = up.requests.length;
    const res = await collectStream(
      await backend.stream(
        request({ stream: true, system: [{ type: 'text', text: 'sys', cacheControl: { ttl: '5m' } }], messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cacheControl: { ttl: '5m' } }] }] }),
        callOptions(dep()),
      ),
    );
    const got = up.requests[n]!;
    assert.equal(got.path, `${BASE}/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`);
    assert.match(String(got.headers.authorization), /^Bearer ya29\.tok-\d+$/);
    assert.deepEqual(got.body.contents, [{ role: 'user', parts: [{ text: 'q' }] }]);
    assert.deepEqual(got.body.systemInstruction, { parts: [{ text: 'sys' }] });
    assert.ok(!JSON.stringify(got.body).includes('cache'));
    assert.equal(res.finish, 'tool_use');
    assert.equal(res.usage.reasoning, 60);
  });

  test('generate → :generateContent; countTokens → :countTokens', async () => {
    up.handle((req, res) => {
      if (req.path.endsWith(':countTokens')) return json(res, 200, { totalTokens: 321, totalBillableCharacters: 1000 });
      json(res, 200, {
        candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 1 },
        responseId: 'r',
      });
    });
    const n = up.requests.length;
    const res = await backend.generate(request(), callOptions(dep()));
    assert.deepEqual(res.content, [{ type: 'text', text: 'hi' }]);
    assert.equal(up.requests[n]!.path, `${BASE}/publishers/google/models/gemini-2.5-flash:generateContent`);
    assert.equal(await backend.countTokens(request(), callOptions(dep())), 321);
    assert.equal(up.requests[n + 1]!.path, `${BASE}/publishers/google/models/gemini-2.5-flash:countTokens`);
    assert.deepEqual(Object.keys(up.requests[n + 1]!.body).sort(), ['contents', 'systemInstruction']);
  });

  test('errors: 429 RESOURCE_EXHAUSTED is a retryable rate limit; 400 is not retried; thrown before the stream', async () => {
    up.handle((_req, res) => json(res, 429, [{ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }]));
    await assert.rejects(backend.stream(request({ stream: true }), callOptions(dep())), (e: unknown) => {
      assert.ok(e instanceof ProxyError);
      assert.equal(e.kind, 'rate_limit');
      assert.equal(e.retryable, true);
      assert.equal(e.message, 'Quota exceeded');
      return true;
    });
    up.handle((_req, res) => json(res, 400, { error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }));
    await assert.rejects(backend.generate(request(), callOptions(dep())), (e: unknown) => e instanceof ProxyError && e.kind === 'invalid_request' && !e.retryable);
  });

  test('an error frame before any content is thrown (retryable) so the router can retry', async () => {
    up.handle((_req, res) => sse(res, 'data: {"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}\n\n'));
    await assert.rejects(backend.stream(request({ stream: true }), callOptions(dep())), (e: unknown) => e instanceof ProxyError && e.kind === 'unavailable' && e.retryable);
  });

  test('TTFT timeout: a Vertex that never answers is a retryable timeout', async () => {
    up.handle(() => {});
    await assert.rejects(backend.stream(request({ stream: true }), callOptions(dep({ ttftTimeoutMs: 150 }), { stream: true })), isTtftTimeout);
  });

  test('a 401 drops the cached token, so the next call fetches a fresh one', async () => {
    up.handle((_req, res) => json(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }));
    const before = { ...tokens.state };
    await assert.rejects(backend.generate(request(), callOptions(dep())), (e: unknown) => e instanceof ProxyError && e.kind === 'authentication');
    assert.equal(tokens.state.invalidations, before.invalidations + 1);
    up.handle((_req, res) => json(res, 200, { candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] }));
    const n = up.requests.length;
    await backend.generate(request(), callOptions(dep()));
    assert.equal(tokens.state.fetches, before.fetches + 1);
    assert.equal(up.requests[n]!.headers.authorization, `Bearer ${tokens.state.current}`);
  });

  test('deployment.apiKey is used as a static bearer (default provider), and no token ever reaches the logs', async () => {
    const plain = new VertexBackend();
    const { log, lines } = captureLogger();
    up.handle((_req, res) => json(res, 200, { candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] }));
    const n = up.requests.length;
    await plain.generate(
      request({ messages: [{ role: 'assistant', content: [{ type: 'reasoning', text: 'old thought' }] }, { role: 'user', content: [{ type: 'text', text: 'x' }] }] }),
      callOptions(dep({ apiKey: 'static-SECRET-token' }), { log }),
    );
    assert.equal(up.requests[n]!.headers.authorization, 'Bearer static-SECRET-token');
    assert.ok(lines.length > 0, 'the dropped thought was logged');
    assert.ok(lines.every((l) => !l.includes('static-SECRET-token') && !l.includes('ya29.')));
  });
});

describe('VertexBackend — OpenAI-compatible endpoint', () => {
  test('WIRE: POST …/endpoints/openapi/chat/completions with model google/<m>, usage requested in streams', async () => {
    const chunks = fixture('openai-chat', 'parallel-tool-calls.chunks');
    up.handle((_req, res) => sse(res, chunks));
    const n = up.requests.length;
    const res = await collectStream(await backend.stream(request({ stream: true }), callOptions(dep({ model: 'openai/gemini-2.5-flash' }))));
    const got = up.requests[n]!;
    assert.equal(got.path, `${BASE}/endpoints/openapi/chat/completions`);
    assert.equal(got.body.model, 'google/gemini-2.5-flash');
    assert.equal(got.body.stream, true);
    assert.deepEqual(got.body.stream_options, { include_usage: true });
    assert.match(String(got.headers.authorization), /^Bearer /);
    assert.equal(res.finish, 'tool_use');
  });
});

describe('VertexBackend — Claude on Vertex', () => {
  test('WIRE: stream → …/publishers/anthropic/models/{M}:streamRawPredict, body has anthropic_version vertex-2023-10-16 and no model', async () => {
    up.handle((_req, res) => sse(res, fixture('anthropic', 'text-then-tool.chunks')));
    const n = up.requests.length;
    const res = await collectStream(await backend.stream(request({ stream: true }), callOptions(dep({ model: 'claude-sonnet-4@20250514', vertexLocation: 'us-east5' }))));
    const got = up.requests[n]!;
    assert.equal(got.path, '/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict');
    assert.equal(got.body.anthropic_version, 'vertex-2023-10-16');
    assert.equal('model' in got.body, false);
    assert.equal(got.body.stream, true);
    assert.equal(res.finish, 'tool_use');
    assert.equal(res.usage.cacheRead, 100);
  });

  test('generate → :rawPredict; countTokens → count-tokens:rawPredict naming the model', async () => {
    up.handle((req, res) => {
      if (req.path.includes('count-tokens')) return json(res, 200, { input_tokens: 99 });
      json(res, 200, { id: 'msg_v', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'yo' }], stop_reason: 'end_turn', usage: { input_tokens: 2, output_tokens: 1 } });
    });
    const d = dep({ model: 'claude-sonnet-4@20250514' });
    const n = up.requests.length;
    const res = await backend.generate(request(), callOptions(d));
    assert.deepEqual(res.content, [{ type: 'text', text: 'yo' }]);
    assert.equal(up.requests[n]!.path, `${BASE}/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict`);
    assert.equal(up.requests[n]!.body.stream, false);
    assert.equal(await backend.countTokens(request(), callOptions(d)), 99);
    assert.equal(up.requests[n + 1]!.path, `${BASE}/publishers/anthropic/models/count-tokens:rawPredict`);
    assert.equal(up.requests[n + 1]!.body.model, 'claude-sonnet-4@20250514');
    assert.equal(up.requests[n + 1]!.body.anthropic_version, 'vertex-2023-10-16');
  });

  test('Anthropic-shaped and Google-shaped errors both decode', async () => {
    const d = dep({ model: 'claude-sonnet-4@20250514' });
    up.handle((_req, res) => json(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    await assert.rejects(backend.generate(request(), callOptions(d)), (e: unknown) => e instanceof ProxyError && e.kind === 'overloaded' && e.retryable);
    up.handle((_req, res) => json(res, 404, { error: { code: 404, message: 'Publisher model not found', status: 'NOT_FOUND' } }));
    await assert.rejects(backend.generate(request(), callOptions(d)), (e: unknown) => e instanceof ProxyError && e.kind === 'not_found' && e.message === 'Publisher model not found');
  });
});
