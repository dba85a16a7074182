import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamPart, Usage } from '../../../src/canonical/form.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';
import { openAISseToParts, partsToOpenAISse } from '../../../src/proxy/protocols/openai-chat/index.ts';
import { byteStream, collect, collectText, dataPayloads, fixture, streamOf } from './helpers.ts';

const usage: Usage = { input: 100, output: 20, cacheRead: 64, cacheWrite: 0, reasoning: 5 };

const toolStream: StreamPart[] = [
  { type: 'message-start', id: 'msg_01', model: 'claude-x' },
  { type: 'reasoning-start', index: 0 },
  { type: 'reasoning-delta', index: 0, text: 'thinking', signature: 'sig' },
  { type: 'block-end', index: 0 },
  { type: 'text-start', index: 1 },
  { type: 'text-delta', index: 1, text: 'Running it.' },
  { type: 'block-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'toolu_1', name: 'bash' },
  { type: 'tool-call-delta', index: 2, argsJson: '{"command":' },
  { type: 'tool-call-delta', index: 2, argsJson: '"ls"}' },
  { type: 'block-end', index: 2 },
  { type: 'tool-call-start', index: 3, id: 'toolu_2', name: 'read' },
  { type: 'tool-call-delta', index: 3, argsJson: '{"path":"a"}' },
  { type: 'block-end', index: 3 },
  { type: 'finish', reason: 'tool_use', usage },
];

async function encode(parts: StreamPart[], includeUsage = true): Promise<string> {
  return collectText(streamOf(parts).pipeThrough(partsToOpenAISse({ model: 'shared-model', includeUsage, created: 1700000000 })));
}

describe('partsToOpenAISse', () => {
  test('emits the documented chunk sequence ending with the usage chunk and [DONE]', async () => {
    const payloads = dataPayloads(await encode(toolStream));
    assert.equal(payloads.at(-1), '[DONE]');
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
    for (const c of chunks) {
      assert.equal(c.id, 'chatcmpl-msg_01');
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.created, 1700000000);
      assert.equal(c.model, 'shared-model');
    }
    const deltas = chunks.slice(0, -1).map((c) => c.choices[0].delta);
    assert.deepEqual(deltas, [
      { role: 'assistant', content: '' },
      { reasoning_content: 'thinking' },
      { content: 'Running it.' },
      { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'bash', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"command":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_2', type: 'function', function: { name: 'read', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"path":"a"}' } }] },
      {},
    ]);
    const finishes = chunks.slice(0, -1).map((c) => c.choices[0].finish_reason);
    assert.deepEqual(finishes, [null, null, null, null, null, null, null, null, 'tool_calls']);
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, {
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 5 },
    });
  });

  test('without includeUsage: no usage key and no usage chunk', async () => {
    const payloads = dataPayloads(await encode(toolStream, false));
    assert.equal(payloads.at(-1), '[DONE]');
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
    assert.ok(chunks.every((c) => !('usage' in c) && c.choices.length === 1));
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
  });

  test('each frame is enqueued as its own chunk (no batching)', async () => {
    const frames = await collect(
      streamOf(toolStream).pipeThrough(partsToOpenAISse({ model: 'm', includeUsage: true, created: 1 })),
    );
    assert.equal(frames.length, 11); // role + 7 content chunks + finish + usage + [DONE]
    for (const f of frames) assert.match(new TextDecoder().decode(f), /^data: .*\n\n$/s);
  });

  test('an error part becomes an error frame and the stream ends without [DONE]', async () => {
    const err = new ProxyError('upstream exploded', { code: 'upstream_api_error', kind: 'api_error' });
    const payloads = dataPayloads(
      await encode([
        { type: 'message-start', id: 'x', model: 'm' },
        { type: 'text-start', index: 0 },
        { type: 'text-delta', index: 0, text: 'Hi' },
        { type: 'error', error: err },
        { type: 'text-delta', index: 0, text: 'ignored' },
      ]),
    );
    assert.equal(payloads.length, 3);
    assert.deepEqual(JSON.parse(payloads[2]!), {
      error: { message: 'upstream exploded', type: 'api_error', code: 'upstream_api_error', param: null },
    });
  });

  test('a canonical stream that ends without finish is reported as an error frame', async () => {
    const payloads = dataPayloads(await encode([{ type: 'text-start', index: 0 }, { type: 'text-delta', index: 0, text: 'a' }]));
    assert.equal(JSON.parse(payloads.at(-1)!).error.code, 'incomplete_stream');
    assert.ok(!payloads.includes('[DONE]'));
  });

  test('without message-start a chatcmpl id is generated and the role chunk still comes first', async () => {
    const payloads = dataPayloads(
      await encode([
        { type: 'text-start', index: 0 },
        { type: 'text-delta', index: 0, text: 'a' },
        { type: 'finish', reason: 'stop', usage },
      ]),
    );
    const first = JSON.parse(payloads[0]!);
    assert.match(first.id, /^chatcmpl-[0-9a-f]{32}$/);
    assert.deepEqual(first.choices[0].delta, { role: 'assistant', content: '' });
    assert.equal(JSON.parse(payloads[1]!).id, first.id);
  });
});

describe('round trips', () => {
  /** message-start's id/model are rewritten by the encoder (alias, chatcmpl- id); the rest must survive. */
  const comparable = (parts: StreamPart[]) => parts.filter((p) => p.type !== 'message-start');

  test('canonical → partsToOpenAISse → openAISseToParts gives the same content', async () => {
    const bytes = streamOf(toolStream)
      .pipeThrough(partsToOpenAISse({ model: 'shared-model', includeUsage: true, created: 1 }))
      .pipeThrough(openAISseToParts());
    const back = await collect(bytes);
    const expected = comparable(toolStream).map((p) => (p.type === 'reasoning-delta' ? { ...p, signature: undefined } : p));
    assert.deepEqual(
      comparable(back),
      expected.map((p) => JSON.parse(JSON.stringify(p))), // drops the signature OpenAI cannot carry
    );
    assert.deepEqual(back[0], { type: 'message-start', id: 'chatcmpl-msg_01', model: 'shared-model' });
  });

  for (const name of ['text-with-usage.chunks', 'parallel-tool-calls.chunks', 'usage-only-final.chunks', 'empty-completion.chunks']) {
    test(`${name}: decode → encode → decode is stable`, async () => {
      const once = await collect(byteStream(fixture(name)).pipeThrough(openAISseToParts()));
      const twice = await collect(
        streamOf(once)
          .pipeThrough(partsToOpenAISse({ model: 'alias', includeUsage: true, created: 1 }))
          .pipeThrough(openAISseToParts()),
      );
      assert.deepEqual(comparable(twice), comparable(once));
    });
  }
});
