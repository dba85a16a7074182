/**
 * The tokenizer loads only when a call needs it (canonical/tokens.ts): a proxy in front of real
 * models passes calls through without ever parsing its ≈ 15 MB vocabulary, and the first
 * translated Anthropic stream estimates its message_start instead of waiting for the load, which
 * then happens after the response. (A proxy with a simulator loads it at start:
 * tokenizer-preload.test.ts, in a process of its own.) Each test file runs in its own process,
 * so nothing before this file has loaded it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { countRequestTokens, tokenizerLoaded } from '../../src/canonical/tokens.ts';
import { decodeAnthropicRequest } from '../../src/proxy/protocols/anthropic-messages/decode-request.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let upstream: FakeOpenAI;
let proxy: TestProxy;

before(async () => {
  upstream = await startFakeOpenAI();
  proxy = await startTestProxy(`
model_list:
  - model_name: gpt
    litellm_params: { model: openai/up-model, api_base: "${upstream.url}", api_key: sk-up }
`);
});

after(async () => {
  await proxy?.close(0);
  await upstream?.close();
});

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  return condition();
}

test('pass-through calls, JSON and streamed, never load the tokenizer', async () => {
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const answer = await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hello there, proxy' }] });
  assert.equal(answer.choices[0]?.message.content, 'Hello from the fake upstream.');
  let text = '';
  for await (const chunk of await client.chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'hello again' }] })) {
    text += chunk.choices[0]?.delta.content ?? '';
  }
  assert.equal(text, 'Hello from the fake upstream.');
  const spend = await proxy.spend();
  assert.equal(spend.length, 2);
  assert.ok(spend.every((r) => r.error === null && r.usage.input > 0), 'both calls recorded the upstream usage');
  await sleep(50); // anything scheduled after the responses (setImmediate) has run
  assert.equal(tokenizerLoaded(), false, 'a pass-through proxy loaded the tokenizer');
});

test('the first translated Anthropic stream estimates its prompt without waiting, and the tokenizer loads after it', async () => {
  const client = new Anthropic({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
  const params = {
    model: 'gpt',
    max_tokens: 256,
    stream: true as const,
    system: 'You are a careful assistant that reads files before it edits them.',
    // Texts long and short: a short one (under 16 characters) was counted at once before.
    messages: [
      { role: 'user' as const, content: 'Read src/index.ts and tell me what it exports, please.' },
      { role: 'assistant' as const, content: 'Sure.' },
      { role: 'user' as const, content: 'Go on.' },
    ],
  };
  // The upstream stops mid-answer, so the response is not over (nothing scheduled after it ran)
  // when the message start reaches the client.
  upstream.script({ kind: 'hang-mid-stream' });
  const held = await client.messages.create(params);
  let inputTokens: number | undefined;
  let loadedAtStart: boolean | undefined;
  for await (const event of held) {
    if (event.type !== 'message_start') continue;
    inputTokens = event.message.usage.input_tokens;
    loadedAtStart = tokenizerLoaded();
    held.controller.abort();
    break;
  }
  assert.ok(inputTokens !== undefined && inputTokens > 0, 'message_start carries a prompt estimate');
  assert.equal(loadedAtStart, false, 'the message start waited for the tokenizer to load');

  // A whole answer: its uncounted texts are tokenised after it, which loads the tokenizer.
  upstream.script({ kind: 'ok' });
  for await (const event of await client.messages.create(params)) void event;
  assert.ok(await until(tokenizerLoaded, 10_000), 'the texts left uncounted were not counted after the response');

  // Counted now: the same prompt's message start is the tokenizer's count, not the length estimate.
  let counted: number | undefined;
  for await (const event of await client.messages.create(params)) {
    if (event.type === 'message_start') counted = event.message.usage.input_tokens;
  }
  const { stream: _stream, ...body } = params;
  assert.equal(counted, countRequestTokens(decodeAnthropicRequest(body)), 'the second message start is not the exact count');
  const spend = await proxy.spend();
  assert.equal(spend.at(-1)?.error, null);
});
