import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromOpenAIUsage, toOpenAIUsage } from '../../../src/proxy/protocols/openai-chat/index.ts';

test('fromOpenAIUsage: prompt includes cached, completion includes reasoning — no arithmetic', () => {
  assert.deepEqual(
    fromOpenAIUsage({
      prompt_tokens: 1000,
      completion_tokens: 250,
      total_tokens: 1250,
      prompt_tokens_details: { cached_tokens: 800 },
      completion_tokens_details: { reasoning_tokens: 200 },
    }),
    { input: 1000, output: 250, cacheRead: 800, cacheWrite: 0, reasoning: 200 },
  );
});

test('fromOpenAIUsage: missing or null details are zeros', () => {
  assert.deepEqual(fromOpenAIUsage({ prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: null }), {
    input: 5,
    output: 1,
    cacheRead: 0,
    cacheWrite: 0,
    reasoning: 0,
  });
  assert.deepEqual(fromOpenAIUsage(undefined), { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
});

test('toOpenAIUsage is the inverse (cacheWrite has no OpenAI field)', () => {
  const u = { input: 70, output: 30, cacheRead: 50, cacheWrite: 0, reasoning: 10 };
  const wire = toOpenAIUsage(u);
  assert.deepEqual(wire, {
    prompt_tokens: 70,
    completion_tokens: 30,
    total_tokens: 100,
    prompt_tokens_details: { cached_tokens: 50 },
    completion_tokens_details: { reasoning_tokens: 10 },
  });
  assert.deepEqual(fromOpenAIUsage(wire), u);
});
