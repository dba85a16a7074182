/**
 * Round trips per pair of dialects on the recorded-shape fixtures: an upstream stream in one
 * dialect is decoded to canonical parts, encoded into the client's dialect, and decoded again
 * with that dialect's decoder; the collected message must be the same (ids and model names
 * aside, which the proxy rewrites on purpose). Errors must arrive as errors of the same kind.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicSseToParts, partsToAnthropicSse, decodeAnthropicRequest } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { geminiSseToParts, partsToGeminiSse, encodeGeminiRequest } from '../../../src/proxy/protocols/gemini/index.ts';
import { openAISseToParts, partsToOpenAISse, decodeOpenAIRequest } from '../../../src/proxy/protocols/openai-chat/index.ts';
import { collectStream, type CanonicalResponse, type StreamPart } from '../../../src/canonical/form.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';
import { byteStream, collect, fixture, streamOf, withoutIdentity } from '../../backends/helpers/streams.ts';

type Dir = 'anthropic' | 'gemini' | 'openai-chat';
const decoderOf: Record<Dir, () => TransformStream<Uint8Array, StreamPart>> = {
  anthropic: anthropicSseToParts,
  gemini: () => geminiSseToParts(),
  'openai-chat': openAISseToParts,
};
const encoderOf: Record<Dir, () => TransformStream<StreamPart, Uint8Array>> = {
  anthropic: () => partsToAnthropicSse({ model: 'alias', inputTokens: 1 }),
  gemini: () => partsToGeminiSse({ model: 'alias' }),
  'openai-chat': () => partsToOpenAISse({ model: 'alias', includeUsage: true, created: 1 }),
};

const FIXTURES: Record<Dir, string[]> = {
  anthropic: ['text-then-tool.chunks', 'thinking.chunks', 'empty.chunks', 'server-tool-and-parallel.chunks', 'error-mid-stream.chunks'],
  gemini: ['text-usage-only-last.chunks', 'thinking-then-call.chunks', 'parallel-calls.chunks', 'empty.chunks', 'max-tokens.chunks', 'error-mid-stream.chunks'],
  'openai-chat': ['text-with-usage.chunks', 'parallel-tool-calls.chunks', 'usage-only-final.chunks', 'empty-completion.chunks', 'error-mid-stream.chunks'],
};

async function outcome(parts: StreamPart[]): Promise<{ ok: Omit<CanonicalResponse, 'id' | 'model'> } | { error: string }> {
  try {
    return { ok: withoutIdentity(await collectStream(streamOf(parts))) };
  } catch (e) {
    assert.ok(e instanceof ProxyError);
    return { error: e.kind };
  }
}

/**
 * What a client dialect can carry: OpenAI has no thinking blocks and no cache-write count,
 * Anthropic no reasoning-token count, Gemini no cache-write count; a Gemini signature reaches
 * Anthropic and OpenAI clients inside the tool-call id (checked below), not as a field.
 */
function comparable(o: Awaited<ReturnType<typeof outcome>>, client: Dir): unknown {
  if (!('ok' in o)) return o;
  const r = structuredClone(o.ok);
  if (client === 'openai-chat') {
    r.content = r.content.filter((c) => c.type !== 'reasoning');
    r.usage.cacheWrite = 0;
  }
  if (client === 'anthropic') r.usage.reasoning = 0;
  if (client !== 'gemini') for (const c of r.content) if (c.type === 'tool-call') delete c.signature;
  if (client === 'gemini') r.usage.cacheWrite = 0;
  // The client sees the input the proxy reports: a message with no upstream input count gets the counted one.
  if (client === 'anthropic' && r.usage.input === 0) r.usage.input = 1;
  return { ok: r };
}

const pairs: Array<[Dir, Dir]> = [
  ['anthropic', 'anthropic'],
  ['anthropic', 'openai-chat'],
  ['gemini', 'anthropic'],
  ['gemini', 'openai-chat'],
  ['gemini', 'gemini'],
  ['openai-chat', 'anthropic'],
];

describe('round trips per dialect pair', () => {
  for (const [upstream, client] of pairs) {
    for (const name of FIXTURES[upstream]) {
      test(`${upstream} upstream → ${client} client: ${name}`, async () => {
        const parts = await collect(byteStream(fixture(upstream, name), 11).pipeThrough(decoderOf[upstream]()));
        const wire = await collect(streamOf(parts).pipeThrough(encoderOf[client]()));
        const again = await collect(byteStream(Buffer.concat(wire), 3).pipeThrough(decoderOf[client]()));
        const expected = comparable(await outcome(parts), client);
        const actual = comparable(await outcome(again), client);
        if ('error' in (expected as object)) assert.ok('error' in (actual as object), 'an upstream error reaches the client as an error');
        else assert.deepEqual(actual, expected);
      });
    }
  }
});

describe('WIRE: Gemini thoughtSignature kept across turns', () => {
  async function geminiCallsThroughClient(client: 'anthropic' | 'openai-chat'): Promise<StreamPart[]> {
    const parts = await collect(byteStream(fixture('gemini', 'thinking-then-call.chunks')).pipeThrough(geminiSseToParts()));
    const wire = await collect(streamOf(parts).pipeThrough(encoderOf[client]()));
    return collect(byteStream(Buffer.concat(wire)).pipeThrough(decoderOf[client]()));
  }

  test('through Claude Code (Anthropic surface): tool_use id → next request → functionCall.thoughtSignature', async () => {
    const seen = await collectStream(streamOf(await geminiCallsThroughClient('anthropic')));
    const call = seen.content.find((c) => c.type === 'tool-call')!;
    assert.equal(call.type, 'tool-call');
    // Claude Code echoes only id, name and input back in the next request.
    const next = decodeAnthropicRequest({
      model: 'alias',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'write it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: call.name, input: call.args }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'written' }] },
      ],
    });
    const body = encodeGeminiRequest(next);
    const contents = body.contents as Array<{ parts: Array<Record<string, unknown>> }>;
    assert.equal(contents[1]!.parts[0]!.thoughtSignature, 'CiQBVKhc7+/sig/with+slash0==');
    assert.deepEqual(contents[2]!.parts[0], { functionResponse: { name: 'Write', response: { result: 'written' } } });
  });

  test('through OpenCode (OpenAI surface): tool_calls id → next request → functionCall.thoughtSignature', async () => {
    const seen = await collectStream(streamOf(await geminiCallsThroughClient('openai-chat')));
    const call = seen.content.find((c) => c.type === 'tool-call')!;
    assert.equal(call.type, 'tool-call');
    const next = decodeOpenAIRequest({
      model: 'alias',
      messages: [
        { role: 'user', content: 'write it' },
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] },
        { role: 'tool', tool_call_id: call.id, content: 'written' },
      ],
    });
    const contents = encodeGeminiRequest(next).contents as Array<{ parts: Array<Record<string, unknown>> }>;
    assert.equal(contents[1]!.parts[0]!.thoughtSignature, 'CiQBVKhc7+/sig/with+slash0==');
    assert.equal((contents[2]!.parts[0]!.functionResponse as { name: string }).name, 'Write');
  });
});
