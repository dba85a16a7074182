/**
 * Simulated prompt caching as the official SDKs see it through the proxy: Anthropic usage
 * fields (cache_creation_input_tokens, cache_read_input_tokens, the 1-hour split) and its 400
 * for a fifth breakpoint; OpenAI's prompt_tokens_details.cached_tokens in 128-token steps;
 * and spend records priced with the cache discount.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const MASTER = 'sk-sim-cache-master';
const LONG = Array.from({ length: 150 }, (_, i) => `Rule ${i}: keep answers short, prefer editing files, and run the tests.`).join('\n');

describe('simulated prompt caching through the proxy', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy(`
model_list:
  - model_name: claude-sim
    litellm_params:
      model: sim/claude-sonnet-4-5
      sim: { ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0, answer_tokens: 10 }
general_settings:
  master_key: ${MASTER}
`);
  });
  after(async () => {
    await proxy.close();
  });

  const anthropic = (cell: string) => new Anthropic({ baseURL: `${proxy.url}/cell/${cell}`, apiKey: MASTER, maxRetries: 0 });
  const openai = (cell: string) => new OpenAI({ baseURL: `${proxy.url}/cell/${cell}/v1`, apiKey: MASTER, maxRetries: 0 });

  test('Anthropic: a marked system prompt is written, then read; the spend record prices the read at 0.1×', async () => {
    const ask = {
      model: 'claude-sim',
      max_tokens: 64,
      system: [{ type: 'text' as const, text: LONG, cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'Say something.' }],
    };
    const first = await anthropic('a-cell').messages.create(ask);
    const second = await anthropic('a-cell').messages.create(ask);
    assert.ok((first.usage.cache_creation_input_tokens ?? 0) > 1_024);
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
    assert.equal(second.usage.cache_creation_input_tokens, 0);
    assert.equal(second.usage.input_tokens, first.usage.input_tokens, 'the unmarked tail is billed as input both times');
    const [a, b] = (await proxy.spend()).filter((s) => s.cell === 'a-cell');
    assert.ok(a && b);
    assert.equal(b.usage.cacheRead, a.usage.cacheWrite);
    // claude-sonnet-4: write $3.75, read $0.30 per MTok — the second call is far cheaper.
    assert.ok(b.costUsd! < a.costUsd! / 5, `${a.costUsd} then ${b.costUsd}`);
    // Another cell does not see this cell's cache.
    const other = await anthropic('b-cell').messages.create(ask);
    assert.equal(other.usage.cache_read_input_tokens, 0);
  });

  test('Anthropic: a 1-hour breakpoint reports its share of the write; five breakpoints are a 400', async () => {
    const m = await anthropic('ttl-cell').messages.create({
      model: 'claude-sim',
      max_tokens: 64,
      system: [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'Hi.' }],
    });
    const usage = m.usage as unknown as { cache_creation_input_tokens: number; cache_creation?: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number } };
    assert.equal(usage.cache_creation?.ephemeral_1h_input_tokens, usage.cache_creation_input_tokens);
    assert.equal(usage.cache_creation?.ephemeral_5m_input_tokens, 0);
    const five = Array.from({ length: 5 }, (_, i) => ({ type: 'text' as const, text: `part ${i}`, cache_control: { type: 'ephemeral' as const } }));
    await assert.rejects(
      anthropic('ttl-cell').messages.create({ model: 'claude-sim', max_tokens: 16, system: five, messages: [{ role: 'user', content: 'Hi.' }] }),
      (e) => e instanceof Anthropic.BadRequestError && /maximum of 4 blocks with cache_control/.test(e.message),
    );
  });

  test('OpenAI: no markers needed; the repeated prompt is read in 128-token steps', async () => {
    const ask = { model: 'claude-sim', messages: [{ role: 'system' as const, content: LONG }, { role: 'user' as const, content: 'Say something.' }] };
    const first = await openai('o-cell').chat.completions.create(ask);
    const second = await openai('o-cell').chat.completions.create(ask);
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const prompt = second.usage?.prompt_tokens ?? 0;
    assert.ok(cached >= 1_024 && (cached - 1_024) % 128 === 0, `cached ${cached}`);
    assert.ok(cached <= prompt && prompt - cached < 128, `${cached} of ${prompt}`);
  });
});
