import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { partsToAnthropicSse } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';
import type { StreamPart, Usage } from '../../../src/canonical/form.ts';
import { collectText, streamOf } from '../../backends/helpers/streams.ts';
import { assertAnthropicStream } from './sse-validate.ts';

const usage = (u: Partial<Usage>): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...u });

async function encode(parts: StreamPart[], opts: { model?: string; inputTokens?: number } = {}): Promise<string> {
  return collectText(streamOf(parts).pipeThrough(partsToAnthropicSse({ model: opts.model ?? 'alias', ...(opts.inputTokens !== undefined ? { inputTokens: opts.inputTokens } : {}) })));
}

/** An OpenAI-like canonical stream: usage only at the end, tool args in pieces, parallel calls. */
const openAIish: StreamPart[] = [
  { type: 'message-start', id: 'chatcmpl-1', model: 'gpt' },
  { type: 'text-start', index: 0 },
  { type: 'text-delta', index: 0, text: 'Running.' },
  { type: 'tool-call-start', index: 1, id: 'call_a', name: 'Bash' },
  { type: 'tool-call-delta', index: 1, argsJson: '{"comm' },
  { type: 'tool-call-delta', index: 1, argsJson: 'and":"l' },
  { type: 'tool-call-delta', index: 1, argsJson: 's"}' },
  { type: 'block-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'call_b', name: 'Read' },
  { type: 'tool-call-delta', index: 2, argsJson: '{"file_path":"/a"}' },
  { type: 'block-end', index: 2 },
  { type: 'block-end', index: 0 },
  { type: 'finish', reason: 'tool_use', usage: usage({ input: 500, output: 40, cacheRead: 300 }) },
];

describe('partsToAnthropicSse', () => {
  test('WIRE: stream event order — message_start, blocks (start/deltas/stop), message_delta, message_stop; event name = data.type', async () => {
    const fs = assertAnthropicStream(await encode(openAIish, { inputTokens: 480 }));
    assert.deepEqual(
      fs.map((f) => f.data.type),
      [
        'message_start',
        'content_block_start', 'content_block_delta', 'content_block_stop',
        'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
        'content_block_start', 'content_block_delta', 'content_block_stop',
        'message_delta', 'message_stop',
      ],
    );
    assert.deepEqual(fs[4]!.data.content_block, { type: 'tool_use', id: 'call_a', name: 'Bash', input: {} });
    const delta = fs.at(-2)!.data;
    assert.deepEqual(delta.delta, { stop_reason: 'tool_use', stop_sequence: null });
    assert.deepEqual(delta.usage, { input_tokens: 200, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 300 });
  });

  test('WIRE: never a delta before its block start; input_json_delta pieces are all forwarded', async () => {
    // Deltas without a *-start part, and a text delta for a block already closed (it reopens as a new block).
    const parts: StreamPart[] = [
      { type: 'message-start', id: 'x', model: 'm', usage: { input: 10 } },
      { type: 'text-delta', index: 0, text: 'a' },
      { type: 'tool-call-start', index: 1, id: 't', name: 'f' },
      { type: 'tool-call-delta', index: 1, argsJson: '{"x"' },
      { type: 'tool-call-delta', index: 1, argsJson: ':1}' },
      { type: 'text-delta', index: 0, text: 'b' },
      { type: 'reasoning-delta', index: 2, text: 'r', signature: 's' },
      { type: 'finish', reason: 'stop', usage: usage({ input: 10, output: 3 }) },
    ];
    const fs = assertAnthropicStream(await encode(parts));
    const json = fs
      .filter((f) => f.data.type === 'content_block_delta' && (f.data.delta as { type: string }).type === 'input_json_delta')
      .map((f) => (f.data.delta as { partial_json: string }).partial_json);
    assert.deepEqual(json, ['{"x"', ':1}']);
    // A tool call was emitted, so 'stop' is reported as tool_use.
    const md = fs.find((f) => f.data.type === 'message_delta')!.data;
    assert.equal(md.delta?.stop_reason, 'tool_use');
  });

  test('WIRE: message_start.usage.input_tokens is the real prompt size (from the part, else the counted fallback), never 0', async () => {
    const fromPart = assertAnthropicStream(
      await encode([
        { type: 'message-start', id: 'x', model: 'm', usage: { input: 1200, cacheRead: 1000, cacheWrite: 0 } },
        { type: 'finish', reason: 'stop', usage: usage({ input: 1200, cacheRead: 1000, output: 2 }) },
      ]),
    );
    const u1 = fromPart[0]!.data.message!.usage;
    assert.equal(u1.input_tokens, 200);
    assert.equal(u1.cache_read_input_tokens, 1000);

    const counted = assertAnthropicStream(
      await encode(
        [
          { type: 'message-start', id: 'x', model: 'm' },
          { type: 'text-delta', index: 0, text: 'hi' },
          { type: 'finish', reason: 'stop', usage: usage({ output: 1 }) },
        ],
        { inputTokens: 777 },
      ),
    );
    assert.equal(counted[0]!.data.message!.usage.input_tokens, 777);
    const md = counted.find((f) => f.data.type === 'message_delta')!.data;
    assert.equal(md.usage?.input_tokens, 777, 'an upstream that never reported input keeps the counted size');
  });

  test('WIRE: Anthropic input_tokens EXCLUDES cache reads and writes (canonical input − cacheRead − cacheWrite)', async () => {
    const fs = assertAnthropicStream(
      await encode([
        { type: 'message-start', id: 'x', model: 'm', usage: { input: 1000, cacheRead: 600, cacheWrite: 300 } },
        { type: 'finish', reason: 'stop', usage: usage({ input: 1000, cacheRead: 600, cacheWrite: 300, output: 5 }) },
      ]),
    );
    const u = fs.at(-2)!.data.usage!;
    assert.equal(u.input_tokens! + u.cache_read_input_tokens! + u.cache_creation_input_tokens!, 1000);
    assert.equal(u.input_tokens, 100);
  });

  test('thinking blocks: thinking_delta then signature_delta; redacted thinking as its own block', async () => {
    const fs = assertAnthropicStream(
      await encode([
        { type: 'message-start', id: 'x', model: 'm', usage: { input: 1 } },
        { type: 'reasoning-start', index: 0 },
        { type: 'reasoning-delta', index: 0, text: 'hmm' },
        { type: 'reasoning-delta', index: 0, text: '', signature: 'SIG' },
        { type: 'block-end', index: 0 },
        { type: 'reasoning-start', index: 1, redacted: 'opaque' },
        { type: 'block-end', index: 1 },
        { type: 'finish', reason: 'length', usage: usage({ input: 1, output: 9 }) },
      ]),
    );
    const deltas = fs.filter((f) => f.data.type === 'content_block_delta').map((f) => f.data.delta);
    assert.deepEqual(deltas, [{ type: 'thinking_delta', thinking: 'hmm' }, { type: 'signature_delta', signature: 'SIG' }]);
    assert.deepEqual(fs[5]!.data.content_block, { type: 'redacted_thinking', data: 'opaque' });
    assert.equal(fs.at(-2)!.data.delta?.stop_reason, 'max_tokens');
  });

  test('stop sequences are reported as stop_sequence with the matched text', async () => {
    const fs = assertAnthropicStream(
      await encode([
        { type: 'message-start', id: 'x', model: 'm', usage: { input: 1 } },
        { type: 'finish', reason: 'stop', stopSequence: 'END', usage: usage({ input: 1 }) },
      ]),
    );
    assert.deepEqual(fs.at(-2)!.data.delta, { stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  test('an error part becomes an `event: error` frame with the Anthropic error type, and ends the stream', async () => {
    const sse = await encode([
      { type: 'message-start', id: 'x', model: 'm', usage: { input: 1 } },
      { type: 'text-delta', index: 0, text: 'par' },
      { type: 'error', error: new ProxyError('slow down', { code: 'x', kind: 'rate_limit' }) },
      { type: 'text-delta', index: 0, text: 'ignored' },
    ]);
    const fs = assertAnthropicStream(sse, { endsWithError: true });
    assert.deepEqual(fs.at(-1)!.data, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });

  test('a canonical stream that ends without finish gets an error frame rather than a silent end', async () => {
    const fs = assertAnthropicStream(await encode([{ type: 'message-start', id: 'x', model: 'm' }, { type: 'text-delta', index: 0, text: 'a' }]), {
      endsWithError: true,
    });
    assert.equal(fs.at(-1)!.data.error?.type, 'api_error');
  });

  test('an empty completion is message_start, message_delta, message_stop', async () => {
    const fs = assertAnthropicStream(
      await encode([
        { type: 'message-start', id: 'x', model: 'm', usage: { input: 3 } },
        { type: 'finish', reason: 'stop', usage: usage({ input: 3 }) },
      ]),
    );
    assert.deepEqual(fs.map((f) => f.data.type), ['message_start', 'message_delta', 'message_stop']);
  });

  test('the official @anthropic-ai/sdk accumulates the stream into the expected message', async () => {
    const sse = await encode(openAIish, { model: 'shared-model', inputTokens: 480 });
    const client = new Anthropic({
      apiKey: 'test',
      baseURL: 'http://127.0.0.1:9',
      maxRetries: 0,
      fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    });
    const msg = await client.messages.stream({ model: 'shared-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    assert.equal(msg.model, 'shared-model');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(
      msg.content.map((c) => (c.type === 'tool_use' ? [c.name, c.input] : c.type === 'text' ? c.text : c.type)),
      ['Running.', ['Bash', { command: 'ls' }], ['Read', { file_path: '/a' }]],
    );
    assert.equal(msg.usage.input_tokens, 200);
    assert.equal(msg.usage.cache_read_input_tokens, 300);
    assert.equal(msg.usage.output_tokens, 40);
  });
});
