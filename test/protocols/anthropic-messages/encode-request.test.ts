import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAnthropicRequest,
  encodeAnthropicCountTokensRequest,
  encodeAnthropicRequest,
} from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import type { CanonicalRequest } from '../../../src/canonical/form.ts';

function req(r: Partial<CanonicalRequest>): CanonicalRequest {
  return { model: 'alias', system: [], messages: [], tools: [], stream: false, sourceDialect: 'openai', ...r };
}

describe('encodeAnthropicRequest', () => {
  test('an Anthropic body survives decode → encode (cache_control kept, tool turns merged back)', () => {
    const body = {
      model: 'alias',
      max_tokens: 1000,
      system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a' }], is_error: true },
            { type: 'text', text: 'next' },
          ],
        },
      ],
      tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
      tool_choice: { type: 'any' },
      stop_sequences: ['STOP'],
      stream: true,
    };
    const out = encodeAnthropicRequest(decodeAnthropicRequest(body), 'claude-sonnet-4-5');
    assert.deepEqual(out, { ...body, model: 'claude-sonnet-4-5' });
  });

  test('vertex: no model, anthropic_version vertex-2023-10-16', () => {
    const out = encodeAnthropicRequest(req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }), 'claude-x', { vertex: true });
    assert.equal(out.model, undefined);
    assert.equal(out.anthropic_version, 'vertex-2023-10-16');
    assert.equal(out.max_tokens, 8192);
  });

  test('OpenAI-style ids are made Anthropic-safe on both the call and its result', () => {
    const out = encodeAnthropicRequest(
      req({
        messages: [
          { role: 'assistant', content: [{ type: 'tool-call', id: 'call:abc.1', name: 'f', args: { a: 1 } }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call:abc.1', content: [{ type: 'text', text: 'ok' }] }] },
        ],
      }),
      'm',
    );
    const msgs = out.messages as Array<{ content: Array<Record<string, unknown>> }>;
    assert.equal(msgs[0]?.content[0]?.id, 'call_abc_1');
    assert.equal(msgs[1]?.content[0]?.tool_use_id, 'call_abc_1');
  });

  test('thinking: unsigned reasoning from other backends is dropped with a warning; budget keeps max_tokens above it', () => {
    const warnings: string[] = [];
    const out = encodeAnthropicRequest(
      req({
        maxTokens: 1000,
        temperature: 0.3,
        reasoning: { budgetTokens: 2000 },
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          { role: 'assistant', content: [{ type: 'reasoning', text: 'gemini thought' }, { type: 'text', text: 'a' }] },
        ],
      }),
      'm',
      { warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(out.thinking, { type: 'enabled', budget_tokens: 2000 });
    assert.ok((out.max_tokens as number) > 2000);
    assert.equal(out.temperature, undefined);
    assert.deepEqual((out.messages as Array<{ content: unknown[] }>)[1]?.content, [{ type: 'text', text: 'a' }]);
    assert.equal(warnings.length, 2);
  });

  test('tool_choice mapping and parallel_tool_calls=false', () => {
    const tools = [{ name: 'f', parameters: { type: 'object' } }];
    const enc = (r: Partial<CanonicalRequest>) => encodeAnthropicRequest(req({ tools, ...r }), 'm').tool_choice;
    assert.deepEqual(enc({ toolChoice: { type: 'none' } }), { type: 'none' });
    assert.deepEqual(enc({ toolChoice: { type: 'required' } }), { type: 'any' });
    assert.deepEqual(enc({ toolChoice: { type: 'tool', name: 'f' }, parallelToolCalls: false }), { type: 'tool', name: 'f', disable_parallel_tool_use: true });
    assert.deepEqual(enc({ parallelToolCalls: false }), { type: 'auto', disable_parallel_tool_use: true });
    assert.equal(enc({}), undefined);
  });

  test('images by data and URL; empty text blocks are not sent', () => {
    const out = encodeAnthropicRequest(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '' },
              { type: 'image', mediaType: 'image/png', data: 'AAA' },
              { type: 'image', mediaType: 'image/png', url: 'https://x/y.png' },
            ],
          },
        ],
      }),
      'm',
    );
    assert.deepEqual((out.messages as Array<{ content: unknown[] }>)[0]?.content, [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
      { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
    ]);
  });

  test('WIRE: count_tokens body has only the prompt-shaping fields', () => {
    const out = encodeAnthropicCountTokensRequest(
      req({ maxTokens: 5, stream: true, temperature: 0.5, system: [{ type: 'text', text: 's' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }),
      'claude-x',
    );
    assert.deepEqual(Object.keys(out).sort(), ['messages', 'model', 'system']);
  });
});
