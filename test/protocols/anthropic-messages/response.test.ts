import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAnthropicResponse, encodeAnthropicResponse } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';

const message = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [
    { type: 'thinking', thinking: 'hmm', signature: 'sig' },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'text', text: 'Here.' },
    { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: 40 },
};

describe('Anthropic responses', () => {
  test('decode → encode reproduces the message (model replaced by the alias)', () => {
    const res = decodeAnthropicResponse(message);
    assert.equal(res.finish, 'tool_use');
    assert.deepEqual(res.usage, { input: 80, output: 20, cacheRead: 40, cacheWrite: 30, reasoning: 0 });
    assert.deepEqual(encodeAnthropicResponse(res, 'alias'), { ...message, model: 'alias' });
  });

  test('a stop sequence round-trips; a foreign id gets the msg_ prefix; tool calls force tool_use', () => {
    const out = encodeAnthropicResponse(
      { id: 'chatcmpl-9', model: 'gpt', content: [{ type: 'tool-call', id: 'call_1', name: 'f', args: {} }], finish: 'stop', usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 } },
      'alias',
    );
    assert.equal(out.id, 'msg_chatcmpl-9');
    assert.equal(out.stop_reason, 'tool_use');
    const seq = encodeAnthropicResponse(decodeAnthropicResponse({ ...message, content: [], stop_reason: 'stop_sequence', stop_sequence: 'END' }), 'a');
    assert.equal(seq.stop_reason, 'stop_sequence');
    assert.equal(seq.stop_sequence, 'END');
  });

  test('a malformed upstream answer is a retryable bad_gateway', () => {
    assert.throws(
      () => decodeAnthropicResponse({ id: 1, content: 'x' }),
      (e: unknown) => e instanceof ProxyError && e.kind === 'bad_gateway' && e.retryable,
    );
  });
});
