/**
 * The Anthropic Messages surface with the official `@anthropic-ai/sdk` client against a running
 * proxy: create, stream (final message equal to the non-streamed one), two-turn tool use,
 * countTokens, and the SDK's error classes for the matching upstream failures.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const MASTER = 'sk-anthropic-surface-master';

const WRITE_TOOL = {
  name: 'Write',
  description: 'Writes a file to the local filesystem.',
  input_schema: {
    type: 'object' as const,
    properties: { file_path: { type: 'string', description: 'The absolute path to the file to write' }, content: { type: 'string' } },
    required: ['file_path', 'content'],
  },
};

describe('Anthropic surface through @anthropic-ai/sdk', () => {
  let proxy: TestProxy;
  let up: FakeOpenAI;
  before(async () => {
    up = await startFakeOpenAI();
    proxy = await startTestProxy(`
model_list:
  - model_name: sim
    litellm_params:
      model: sim/sim-default
      sim: { seed: 7, ttft_ms: 5, ttft_ms_per_1k_tokens: 0, tokens_per_second: 5000, jitter: 0, answer_tokens: 30 }
  - model_name: busy
    litellm_params:
      model: sim/sim-default
      sim: { rate_limit_rate: 1, ttft_ms: 1 }
      max_retries: 0
  - model_name: upstream
    litellm_params:
      model: openai/fake-model
      api_base: ${up.url}
      max_retries: 0
general_settings:
  master_key: ${MASTER}
`);
  });
  after(async () => {
    await proxy.close();
    await up.close();
  });

  const client = (key = MASTER, cell = 'sdk-cell') => new Anthropic({ baseURL: `${proxy.url}/cell/${cell}`, apiKey: key, maxRetries: 0 });
  const ask = { model: 'sim', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Say something.' }] };

  test('messages.create answers in Anthropic shape with real usage', async () => {
    const m = await client().messages.create(ask);
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.stop_reason, 'end_turn');
    assert.equal(m.content[0]?.type, 'text');
    assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
    const s = (await proxy.spend()).at(-1)!;
    assert.equal(s.surface, 'anthropic');
    assert.equal(s.cell, 'sdk-cell');
    // Anthropic input_tokens excludes cache reads/writes; the log's input is the whole prompt
    assert.equal(s.usage.input, m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0) + (m.usage.cache_creation_input_tokens ?? 0));
  });

  test('messages.stream: the final message equals the non-streamed one', async () => {
    const plain = await client().messages.create(ask);
    const stream = client().messages.stream(ask);
    let sawStartUsage = 0;
    stream.on('streamEvent', (e) => {
      if (e.type === 'message_start') sawStartUsage = e.message.usage.input_tokens;
    });
    const final = await stream.finalMessage();
    assert.deepEqual(final.content, plain.content);
    assert.equal(final.stop_reason, plain.stop_reason);
    assert.equal(final.usage.output_tokens, plain.usage.output_tokens);
    assert.ok(sawStartUsage > 0, 'message_start carries the real prompt size, not 0');
  });

  test('tool use over two turns', async () => {
    const script = JSON.stringify([{ action: 'write', path: '/tmp/x.txt', content: 'hi' }, { action: 'say', text: 'Wrote it.' }]);
    const c = new Anthropic({ baseURL: `${proxy.url}/cell/tools`, apiKey: MASTER, maxRetries: 0, defaultHeaders: { 'x-agentab-sim-script': script } });
    const first = await c.messages.create({ ...ask, tools: [WRITE_TOOL], messages: [{ role: 'user', content: 'Write /tmp/x.txt' }] });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.equal(use.name, 'Write');
    assert.deepEqual(use.input, { file_path: '/tmp/x.txt', content: 'hi' });
    const second = await c.messages.create({
      ...ask,
      tools: [WRITE_TOOL],
      messages: [
        { role: 'user', content: 'Write /tmp/x.txt' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'ok' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    const text = second.content.find((b) => b.type === 'text');
    assert.equal(text?.type === 'text' && text.text, 'Wrote it.');
  });

  test('countTokens gives a real count that grows with the prompt and matches the logged input', async () => {
    const small = await client().messages.countTokens({ model: 'sim', messages: [{ role: 'user', content: 'hi' }] });
    const big = await client().messages.countTokens({ model: 'sim', messages: [{ role: 'user', content: 'hi '.repeat(500) }] });
    assert.ok(small.input_tokens > 0);
    assert.ok(big.input_tokens > small.input_tokens + 400);
    await client().messages.create({ ...ask, messages: [{ role: 'user', content: 'hi '.repeat(500) }] });
    const s = (await proxy.spend()).filter((r) => r.endpoint === 'messages').at(-1)!;
    assert.equal(s.usage.input, big.input_tokens, 'count_tokens uses the counter the log uses');
  });

  test('error classes: AuthenticationError, NotFoundError, RateLimitError', async () => {
    await assert.rejects(client('sk-wrong').messages.create(ask), Anthropic.AuthenticationError);
    await assert.rejects(client().messages.create({ ...ask, model: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.NotFoundError);
      assert.match(e.message, /sim, busy, upstream/);
      return true;
    });
    await assert.rejects(client().messages.create({ ...ask, model: 'busy' }), Anthropic.RateLimitError);
    const last = (await proxy.spend()).at(-1)!;
    assert.equal(last.status, 429);
  });

  test('upstream failures map to the matching SDK error classes', async () => {
    up.script({ kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided: sk-abc***xyz', type: 'invalid_request_error', code: 'invalid_api_key' } } });
    await assert.rejects(client().messages.create({ ...ask, model: 'upstream' }), Anthropic.AuthenticationError);
    up.script({ kind: 'status', status: 404, body: { error: { message: 'The model does not exist', type: 'invalid_request_error', code: 'model_not_found' } } });
    await assert.rejects(client().messages.create({ ...ask, model: 'upstream' }), Anthropic.NotFoundError);
    up.script({ kind: 'status', status: 429, retryAfter: '1' });
    await assert.rejects(client().messages.create({ ...ask, model: 'upstream' }), Anthropic.RateLimitError);
    up.script({ kind: 'status', status: 500 });
    await assert.rejects(client().messages.create({ ...ask, model: 'upstream' }), Anthropic.InternalServerError);
  });

  test('HEAD / and GET / answer 200 (Claude Code probes them at start-up), beta query accepted', async () => {
    assert.equal((await fetch(`${proxy.url}/`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${proxy.url}/cell/x/`)).status, 200);
    const r = await fetch(`${proxy.url}/cell/q/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'some-future-beta-2099-01-01', 'content-type': 'application/json' },
      body: JSON.stringify(ask),
    });
    assert.equal(r.status, 200);
    const bad = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER }, body: '{nope' });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys((await bad.json()) as object), ['type', 'error']);
  });

  test('a Messages request without max_tokens is refused as Anthropic refuses it; count_tokens takes none', async () => {
    const { max_tokens: _dropped, ...withoutMax } = ask as typeof ask & { max_tokens?: number };
    const r = await fetch(`${proxy.url}/cell/nomax/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(withoutMax),
    });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const counted = await client(MASTER, 'nomax').messages.countTokens({ model: withoutMax.model, messages: withoutMax.messages });
    assert.ok(counted.input_tokens > 0);
  });
});
