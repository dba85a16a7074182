import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanonicalResponse } from '../../../src/canonical/form.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';
import { decodeOpenAIResponse, encodeOpenAIResponse } from '../../../src/proxy/protocols/openai-chat/index.ts';

const upstream = {
  id: 'chatcmpl-Z9',
  object: 'chat.completion',
  created: 1735689600,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'bash', arguments: '{"command":"pwd"}' } },
          { id: 'call_b', type: 'function', function: { name: 'read', arguments: 'not json' } },
        ],
        annotations: [],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_1',
};

describe('decodeOpenAIResponse', () => {
  test('tool calls, finish reason and usage (cached ⊆ prompt, reasoning ⊆ completion)', () => {
    assert.deepEqual(decodeOpenAIResponse(upstream), {
      id: 'chatcmpl-Z9',
      model: 'gpt-4o-2024-08-06',
      content: [
        { type: 'tool-call', id: 'call_a', name: 'bash', args: { command: 'pwd' } },
        { type: 'tool-call', id: 'call_b', name: 'read', args: { _raw: 'not json' } },
      ],
      finish: 'tool_use',
      usage: { input: 2006, output: 300, cacheRead: 1920, cacheWrite: 0, reasoning: 192 },
    });
  });

  test('text and reasoning_content', () => {
    const res = decodeOpenAIResponse({
      id: 'x',
      model: 'deepseek-reasoner',
      choices: [{ index: 0, message: { role: 'assistant', content: '4', reasoning_content: '2+2' }, finish_reason: 'length' }],
    });
    assert.deepEqual(res.content, [
      { type: 'reasoning', text: '2+2' },
      { type: 'text', text: '4' },
    ]);
    assert.equal(res.finish, 'length');
    assert.deepEqual(res.usage, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });

  test('no choices or a malformed body → bad_gateway ProxyError', () => {
    for (const body of [{ id: 'x', choices: [] }, { choices: [{ message: 'nope' }] }, 'text']) {
      assert.throws(
        () => decodeOpenAIResponse(body),
        (e: unknown) => e instanceof ProxyError && e.kind === 'bad_gateway' && e.code === 'upstream_invalid_response',
      );
    }
  });
});

describe('encodeOpenAIResponse', () => {
  const res: CanonicalResponse = {
    id: 'msg_01',
    model: 'claude-sonnet',
    content: [
      { type: 'reasoning', text: 'thought', signature: 's' },
      { type: 'tool-call', id: 'toolu_1', name: 'Bash', args: { command: 'ls' } },
    ],
    finish: 'tool_use',
    usage: { input: 30, output: 12, cacheRead: 10, cacheWrite: 5, reasoning: 4 },
  };

  test('content is null when only tool calls; model is the alias; usage mapped back', () => {
    assert.deepEqual(encodeOpenAIResponse(res, 'shared-model', { created: 42 }), {
      id: 'chatcmpl-msg_01',
      object: 'chat.completion',
      created: 42,
      model: 'shared-model',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }],
            reasoning_content: 'thought',
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 30,
        completion_tokens: 12,
        total_tokens: 42,
        prompt_tokens_details: { cached_tokens: 10 },
        completion_tokens_details: { reasoning_tokens: 4 },
      },
    });
  });

  test('text answers: content string, finish reasons mapped back', () => {
    for (const [finish, wire] of [['stop', 'stop'], ['length', 'length'], ['content_filter', 'content_filter'], ['error', 'stop']] as const) {
      const out = encodeOpenAIResponse({ ...res, content: [{ type: 'text', text: 'hi' }], finish }, 'a');
      assert.equal(out.choices[0]?.message.content, 'hi');
      assert.equal(out.choices[0]?.finish_reason, wire);
      assert.equal('tool_calls' in out.choices[0]!.message, false);
    }
    const empty = encodeOpenAIResponse({ ...res, content: [], finish: 'stop' }, 'a');
    assert.equal(empty.choices[0]?.message.content, '');
  });

  test('decode(encode(x)) round-trips content and usage (cacheWrite aside)', () => {
    const back = decodeOpenAIResponse(encodeOpenAIResponse(res, 'a'));
    assert.deepEqual(back.content, [
      { type: 'reasoning', text: 'thought' },
      { type: 'tool-call', id: 'toolu_1', name: 'Bash', args: { command: 'ls' } },
    ]);
    assert.deepEqual(back.usage, { ...res.usage, cacheWrite: 0 });
    assert.equal(back.finish, 'tool_use');
  });
});
