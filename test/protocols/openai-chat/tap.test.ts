import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FinishReason, Usage } from '../../../src/canonical/form.ts';
import type { ProxyError } from '../../../src/canonical/errors.ts';
import { openAIJsonTap, openAISseTap } from '../../../src/proxy/protocols/openai-chat/index.ts';
import { byteStream, collectText, fixture, fixtureText } from './helpers.ts';

interface Seen {
  usage: Usage[];
  firstContent: number;
  finish: Array<[FinishReason, number]>;
  errors: ProxyError[];
  /** Order of callback kinds. */
  order: string[];
}

async function tap(bytes: Uint8Array, hideUsageChunk: boolean, size?: number): Promise<{ out: string; seen: Seen }> {
  const seen: Seen = { usage: [], firstContent: 0, finish: [], errors: [], order: [] };
  const out = await collectText(
    byteStream(bytes, size).pipeThrough(
      openAISseTap({
        hideUsageChunk,
        onUsage: (u) => (seen.usage.push(u), seen.order.push('usage')),
        onFirstContent: () => (seen.firstContent++, seen.order.push('first')),
        onFinish: (r, n) => (seen.finish.push([r, n]), seen.order.push('finish')),
        onError: (e) => (seen.errors.push(e), seen.order.push('error')),
      }),
    ),
  );
  return { out, seen };
}

/** The fixture's frames (test-only split on the blank line). */
const frames = (text: string) => text.split('\n\n').filter(Boolean).map((f) => f + '\n\n');

describe('openAISseTap', () => {
  test('bytes out equal bytes in; usage, first content and finish are reported once', async () => {
    const input = fixture('text-with-usage.chunks');
    const { out, seen } = await tap(input, false);
    assert.equal(out, fixtureText('text-with-usage.chunks'));
    assert.deepEqual(seen.usage, [{ input: 1250, output: 9, cacheRead: 1024, cacheWrite: 0, reasoning: 0 }]);
    assert.equal(seen.firstContent, 1);
    assert.deepEqual(seen.finish, [['stop', 0]]);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.order, ['first', 'usage', 'finish']);
  });

  test('hideUsageChunk drops exactly the usage-only chunk, usage is still captured', async () => {
    const text = fixtureText('parallel-tool-calls.chunks');
    const { out, seen } = await tap(fixture('parallel-tool-calls.chunks'), true);
    const kept = frames(text).filter((f) => !f.includes('"choices":[]'));
    assert.equal(kept.length, frames(text).length - 1);
    assert.equal(out, kept.join(''));
    assert.deepEqual(seen.usage, [{ input: 812, output: 64, cacheRead: 0, cacheWrite: 0, reasoning: 0 }]);
    assert.deepEqual(seen.finish, [['tool_use', 2]]);
  });

  for (const name of ['text-with-usage.chunks', 'parallel-tool-calls.chunks', 'usage-only-final.chunks', 'error-mid-stream.chunks']) {
    test(`${name} fed one byte at a time: same bytes out, same reports`, async () => {
      const whole = await tap(fixture(name), true);
      const bytewise = await tap(fixture(name), true, 1);
      assert.equal(bytewise.out, whole.out);
      assert.deepEqual(bytewise.seen.usage, whole.seen.usage);
      assert.deepEqual(bytewise.seen.finish, whole.seen.finish);
      assert.deepEqual(bytewise.seen.order, whole.seen.order);
    });
  }

  test('a stream ending without [DONE] finishes at the end of the bytes (reasoning counts as first content)', async () => {
    const { out, seen } = await tap(fixture('usage-only-final.chunks'), false);
    assert.equal(out, fixtureText('usage-only-final.chunks'));
    assert.deepEqual(seen.finish, [['stop', 0]]);
    assert.deepEqual(seen.usage, [{ input: 40, output: 30, cacheRead: 32, cacheWrite: 0, reasoning: 21 }]);
    assert.deepEqual(seen.order, ['first', 'usage', 'finish']);
  });

  test('an error payload is passed through and reported', async () => {
    const { out, seen } = await tap(fixture('error-mid-stream.chunks'), true);
    assert.equal(out, fixtureText('error-mid-stream.chunks'));
    assert.equal(seen.errors.length, 1);
    assert.equal(seen.errors[0]?.kind, 'api_error');
    assert.deepEqual(seen.finish, []);
  });

  test('keep-alive comments pass through; multi-line data keeps its lines', async () => {
    const input = ': keep-alive\n\ndata: {"choices":[{"index":0,\ndata: "delta":{"content":"a"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const { out, seen } = await tap(new TextEncoder().encode(input), true);
    assert.equal(out, input);
    assert.deepEqual(seen.finish, [['stop', 0]]);
    assert.equal(seen.firstContent, 1);
  });

  test('bytes ending before a finish_reason are reported as an error', async () => {
    const input = 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n';
    const { out, seen } = await tap(new TextEncoder().encode(input), false);
    assert.equal(out, input);
    assert.equal(seen.errors[0]?.code, 'upstream_stream_truncated');
  });

  test('a multi-byte character split across chunks survives', async () => {
    const input = 'data: {"choices":[{"index":0,"delta":{"content":"héllo — ✓"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const { out } = await tap(new TextEncoder().encode(input), false, 1);
    assert.equal(out, input);
  });
});

describe('openAIJsonTap', () => {
  test('reads usage, finish and tool call count of a chat.completion', () => {
    const r = openAIJsonTap({
      id: 'chatcmpl-1',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 50, completion_tokens: 7, total_tokens: 57, prompt_tokens_details: { cached_tokens: 20 } },
    });
    assert.deepEqual(r, {
      usage: { input: 50, output: 7, cacheRead: 20, cacheWrite: 0, reasoning: 0 },
      finish: 'tool_use',
      toolCalls: 2,
    });
  });

  test('an error body is reported as an error', () => {
    const r = openAIJsonTap({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
    assert.equal(r.error?.kind, 'rate_limit');
    assert.equal(r.toolCalls, 0);
  });

  test('a body without usage has no usage', () => {
    const r = openAIJsonTap({ choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }] });
    assert.deepEqual(r, { finish: 'stop', toolCalls: 0 });
  });
});
