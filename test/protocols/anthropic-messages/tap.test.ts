import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicJsonTap, anthropicSseTap } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import type { FinishReason, Usage } from '../../../src/canonical/form.ts';
import type { ProxyError } from '../../../src/canonical/errors.ts';
import { byteStream, collect, fixture } from '../../backends/helpers/streams.ts';

function recorder() {
  const seen = { usage: [] as Usage[], first: 0, finish: [] as Array<[FinishReason, number]>, errors: [] as ProxyError[] };
  return {
    seen,
    opts: {
      onUsage: (u: Usage) => seen.usage.push(u),
      onFirstContent: () => seen.first++,
      onFinish: (r: FinishReason, n: number) => seen.finish.push([r, n]),
      onError: (e: ProxyError) => seen.errors.push(e),
    },
  };
}

describe('anthropicSseTap (pass-through)', () => {
  for (const size of [undefined, 1, 13]) {
    test(`re-emits the bytes unchanged and reports usage, first content, finish and tool calls (pieces of ${size ?? 'all'} bytes)`, async () => {
      const bytes = fixture('anthropic', 'server-tool-and-parallel.chunks');
      const { seen, opts } = recorder();
      const out = Buffer.concat(await collect(byteStream(bytes, size).pipeThrough(anthropicSseTap(opts))));
      assert.deepEqual(new Uint8Array(out), bytes);
      assert.equal(seen.first, 1);
      assert.deepEqual(seen.finish, [['tool_use', 2]]);
      assert.deepEqual(seen.usage.at(-1), { input: 70, output: 33, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
      assert.equal(seen.errors.length, 0);
    });
  }

  test('usage from message_start (with cache) is reported before the end', async () => {
    const { seen, opts } = recorder();
    await collect(byteStream(fixture('anthropic', 'text-then-tool.chunks')).pipeThrough(anthropicSseTap(opts)));
    assert.deepEqual(seen.usage[0], { input: 132, output: 1, cacheRead: 100, cacheWrite: 20, reasoning: 0 });
    assert.deepEqual(seen.usage.at(-1), { input: 132, output: 42, cacheRead: 100, cacheWrite: 20, reasoning: 0 });
  });

  test('an error frame is reported once; a truncated stream is reported as an error', async () => {
    const a = recorder();
    await collect(byteStream(fixture('anthropic', 'error-mid-stream.chunks')).pipeThrough(anthropicSseTap(a.opts)));
    assert.equal(a.seen.errors.length, 1);
    assert.equal(a.seen.errors[0]?.kind, 'overloaded');
    assert.equal(a.seen.finish.length, 0);
    const b = recorder();
    await collect(byteStream(fixture('anthropic', 'truncated.chunks')).pipeThrough(anthropicSseTap(b.opts)));
    assert.equal(b.seen.errors[0]?.code, 'upstream_stream_truncated');
  });

  test('anthropicJsonTap reads usage, finish and tool calls of a non-streamed answer', () => {
    const r = anthropicJsonTap({
      id: 'msg',
      content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }, { type: 'text', text: 'x' }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3 },
    });
    assert.deepEqual(r, { usage: { input: 4, output: 2, cacheRead: 3, cacheWrite: 0, reasoning: 0 }, finish: 'tool_use', toolCalls: 1 });
    assert.deepEqual(anthropicJsonTap({ type: 'error' }), { toolCalls: 0 });
  });
});
