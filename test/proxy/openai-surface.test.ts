/**
 * The OpenAI Chat surface end to end with the official `openai` client against a running
 * proxy and a local fake upstream: every path asserts the spend line it wrote.
 */
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const MASTER = 'sk-master-test-123456';
const UPSTREAM_KEY = 'sk-upstream-secret-abcdef';

describe('OpenAI surface through the openai client', () => {
  let up: FakeOpenAI;
  let down: FakeOpenAI;
  let proxy: TestProxy;
  const retries: number[] = [];

  before(async () => {
    up = await startFakeOpenAI();
    down = await startFakeOpenAI();
    const yaml = `
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/fake-model
      api_base: ${up.url}
      api_key: os.environ/UP_KEY
      timeout: 5
      stream_timeout: 0.5
  - model_name: flaky
    litellm_params:
      model: openai/flaky-model
      api_base: ${down.url}
      api_key: os.environ/UP_KEY
  - model_name: backup
    litellm_params:
      model: openai/backup-model
      api_base: ${up.url}
      api_key: os.environ/UP_KEY
router_settings:
  num_retries: 2
  fallbacks: [{flaky: [backup]}]
general_settings:
  master_key: ${MASTER}
  max_request_size_mb: 0.01
`;
    proxy = await startTestProxy(yaml, { UP_KEY: UPSTREAM_KEY }, { router: { sleep: async () => {}, onRetry: (i) => retries.push(i.delayMs) } });
  });
  after(async () => {
    await proxy.close();
    await up.close();
    await down.close();
  });
  beforeEach(() => {
    up.script({ kind: 'ok' });
    down.script({ kind: 'ok' });
    retries.length = 0;
  });

  const client = (cell = 'cell-a', key = MASTER) =>
    new OpenAI({ baseURL: `${proxy.url}/cell/${cell}/v1`, apiKey: key, maxRetries: 0 });

  const lastSpend = async () => {
    const all = await proxy.spend();
    return all[all.length - 1]!;
  };

  test('non-streaming completion: content, usage, one spend line with the upstream tokens', async () => {
    up.script({ kind: 'ok', text: 'four', usage: { prompt: 20, completion: 5, cached: 8 } });
    const r = await client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: '2+2?' }] });
    assert.equal(r.choices[0]!.message.content, 'four');
    assert.equal(r.usage?.prompt_tokens, 20);
    const s = await lastSpend();
    assert.equal(s.cell, 'cell-a');
    assert.equal(s.run, 'run-test');
    assert.equal(s.status, 200);
    assert.equal(s.alias, 'gpt');
    assert.equal(s.upstreamModel, 'fake-model');
    assert.deepEqual(s.usage, { input: 20, output: 5, cacheRead: 8, cacheWrite: 0, reasoning: 0 });
    assert.equal(s.stream, false);
    assert.equal(s.attempts, 1);
    assert.ok(s.durationMs >= s.upstreamMs && s.overheadMs >= 0);
    // the upstream got the deployment's model and the upstream key, never the client's key
    const got = up.received[up.received.length - 1]!;
    assert.equal(got.body.model, 'fake-model');
    assert.equal(got.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  });

  test('streaming without include_usage: the client sees no usage chunk, the log still has usage', async () => {
    up.script({ kind: 'ok', text: 'one two three', usage: { prompt: 30, completion: 3 } });
    const stream = await client().chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'count' }] });
    let text = '';
    let sawUsage = false;
    for await (const c of stream) {
      if (c.usage) sawUsage = true;
      assert.ok(c.choices.length > 0, 'no usage-only chunk reaches a client that did not ask');
      text += c.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, 'one two three');
    assert.equal(sawUsage, false);
    const got = up.received[up.received.length - 1]!;
    assert.deepEqual(got.body.stream_options, { include_usage: true });
    const s = await lastSpend();
    assert.equal(s.stream, true);
    assert.equal(s.usage.input, 30);
    assert.equal(s.usage.output, 3);
    assert.equal(s.finish, 'stop');
    assert.ok(s.ttftMs !== null && s.ttftMs <= s.durationMs);
  });

  test('streaming with include_usage: the client gets the usage chunk', async () => {
    up.script({ kind: 'ok', text: 'hi', usage: { prompt: 9, completion: 1 } });
    const stream = await client().chat.completions.create({
      model: 'gpt',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) if (c.usage) usage = c.usage;
    assert.equal(usage?.prompt_tokens, 9);
    assert.equal((await lastSpend()).usage.input, 9);
  });

  test('streamed tool call: arguments reassemble; the log counts the tool call', async () => {
    const args = JSON.stringify({ command: 'ls -la /tmp', description: 'list files' });
    up.script({ kind: 'ok', toolCall: { name: 'bash', args } });
    const stream = client().chat.completions.stream({
      model: 'gpt',
      messages: [{ role: 'user', content: 'list' }],
      tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }],
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type === 'function' && call.function.arguments, args);
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
    const s = await lastSpend();
    assert.equal(s.toolCalls, 1);
    assert.equal(s.finish, 'tool_use');
  });

  test('unknown alias: NotFoundError listing the known aliases, spend line with 404', async () => {
    await assert.rejects(
      client().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.NotFoundError);
        assert.match(e.message, /unknown model "nope".*gpt, flaky, backup/);
        return true;
      },
    );
    const s = await lastSpend();
    assert.equal(s.status, 404);
    assert.equal(s.error?.code, 'model_not_found');
    assert.equal(s.alias, 'nope');
  });

  test('bad auth: AuthenticationError; a cell token works only for its own cell', async () => {
    await assert.rejects(client('cell-a', 'sk-wrong').chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
    assert.equal((await lastSpend()).status, 401);
    const tok = proxy.cellToken('cell-b');
    const ok = await client('cell-b', tok).chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    assert.ok(ok.choices[0]);
    await assert.rejects(client('cell-c', tok).chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
    // the upstream key was never accepted as a client credential
    await assert.rejects(client('cell-a', UPSTREAM_KEY).chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
  });

  test('malformed JSON and an oversized body: 400 and 413 in OpenAI shape, with spend lines', async () => {
    const bad = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json', 'x-cell-id': 'cell-hdr' },
      body: '{"model": "gpt", "messages": [',
    });
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(badBody.error.type, 'invalid_request_error');
    assert.equal(badBody.error.code, 'invalid_json');
    let s = await lastSpend();
    assert.equal(s.status, 400);
    assert.equal(s.cell, 'cell-hdr', 'X-Cell-Id is honoured');
    await assert.rejects(
      client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 413,
    );
    s = await lastSpend();
    assert.equal(s.status, 413);
  });

  test('429 with Retry-After is retried after the asked delay', async () => {
    up.script({ kind: 'status', status: 429, retryAfter: '2' }, { kind: 'ok', text: 'after wait' });
    const r = await client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.choices[0]!.message.content, 'after wait');
    assert.ok(retries[0]! >= 2000, `backoff honoured Retry-After (got ${retries[0]} ms)`);
    assert.equal((await lastSpend()).attempts, 2);
  });

  test('persistent 500: retried num_retries times, then a 5xx in OpenAI shape', async () => {
    up.script({ kind: 'status', status: 500 });
    const before = up.received.length;
    await assert.rejects(
      client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => e instanceof OpenAI.InternalServerError,
    );
    assert.equal(up.received.length - before, 3, JSON.stringify(up.received.slice(-4).map((r) => r.body.model)));
    const s = await lastSpend();
    assert.equal(s.attempts, 3);
    assert.equal(s.status, 500);
  });

  test('fallback: a failing alias falls back to the next one', async () => {
    down.script({ kind: 'status', status: 503 });
    up.script({ kind: 'ok', text: 'from backup' });
    const r = await client().chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.choices[0]!.message.content, 'from backup');
    const s = await lastSpend();
    assert.equal(s.deployment, 'backup#0');
    assert.equal(s.attempts, 4);
  });

  test('time-to-first-token timeout of a stream: a 504-class error, the proxy stays up', async () => {
    up.script({ kind: 'hang-before-headers' });
    await assert.rejects(
      client().chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 504,
    );
    const s = await lastSpend();
    assert.equal(s.error?.code, 'upstream_ttft_timeout');
    up.script({ kind: 'ok', text: 'alive' });
    const r = await client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.choices[0]!.message.content, 'alive');
  });

  test('upstream disconnect mid-stream: the client gets an error, the log records it', async () => {
    up.script({ kind: 'disconnect-mid-stream' });
    const stream = await client().chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(async () => {
      for await (const _ of stream) void _;
    });
    const s = await lastSpend();
    assert.equal(s.status, 200);
    assert.equal(s.error?.code, 'upstream_stream_error');
  });

  test('a client that disconnects aborts the upstream request at once', async () => {
    up.script({ kind: 'hang-mid-stream' });
    const n = up.received.length;
    const ac = new AbortController();
    const stream = await client().chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'x' }] }, { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await up.closed(n);
    assert.equal(up.received[n]!.closedEarly, true);
    await new Promise((r) => setTimeout(r, 50));
    const s = await lastSpend();
    assert.equal(s.error?.code, 'client_closed');
  });

  test('models, health and metrics routes; cell prefix works on every route', async () => {
    const models = await client().models.list();
    assert.deepEqual(models.data.map((m) => m.id).sort(), ['backup', 'flaky', 'gpt']);
    for (const p of ['/health/liveliness', '/health/readiness', '/cell/x/health/readiness']) {
      const r = await fetch(proxy.url + p);
      assert.equal(r.status, 200, p);
    }
    const m = await (await fetch(`${proxy.url}/metrics`)).text();
    assert.match(m, /agentab_requests_total\{[^}]*alias="gpt"/);
  });

  test('secrets never reach the spend log', async () => {
    const text = await proxy.spendText();
    assert.ok(text.length > 0);
    assert.ok(!text.includes(UPSTREAM_KEY));
    assert.ok(!text.includes(MASTER));
  });
});
