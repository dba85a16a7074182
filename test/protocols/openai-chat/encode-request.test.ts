import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanonicalRequest } from '../../../src/canonical/form.ts';
import { decodeOpenAIRequest, encodeOpenAIRequest, TOOL_IMAGE_NOTE } from '../../../src/proxy/protocols/openai-chat/index.ts';

/** What an Anthropic client's request looks like once decoded (tool results inside a user turn). */
const fromAnthropic: CanonicalRequest = {
  model: 'shared-model',
  system: [
    { type: 'text', text: 'You are Claude Code.', cacheControl: { ttl: '5m' } },
    { type: 'text', text: 'Use tools.' },
  ],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'list files', cacheControl: { ttl: '5m' } }] },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'I should run ls', signature: 'sig' },
        { type: 'text', text: 'Running.' },
        { type: 'tool-call', id: 'toolu_1', name: 'Bash', args: { command: 'ls' } },
        { type: 'tool-call', id: 'toolu_2', name: 'Read', args: { file_path: '/a' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'a\nb' }] },
        {
          type: 'tool-result',
          toolCallId: 'toolu_2',
          content: [
            { type: 'text', text: 'screenshot:' },
            { type: 'image', mediaType: 'image/png', data: 'AAAA' },
          ],
          isError: false,
        },
        { type: 'text', text: 'now summarise' },
        { type: 'image', mediaType: 'image/jpeg', url: 'https://example.com/x.jpg' },
      ],
    },
    { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_3', name: 'Bash', args: {} }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_3', content: [] }] },
  ],
  tools: [{ name: 'Bash', description: 'Run', parameters: { type: 'object', properties: {} } }],
  toolChoice: { type: 'tool', name: 'Bash' },
  parallelToolCalls: true,
  maxTokens: 32000,
  temperature: 1,
  topP: 0.95,
  stopSequences: ['\n\nHuman:'],
  stream: true,
  reasoning: { budgetTokens: 1024 },
  sourceDialect: 'anthropic',
};

describe('encodeOpenAIRequest', () => {
  test('maps a canonical request to a Chat Completions body', () => {
    const body = encodeOpenAIRequest(fromAnthropic, 'gpt-4.1');
    assert.deepEqual(body, {
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'You are Claude Code.\n\nUse tools.' },
        { role: 'user', content: 'list files' },
        {
          role: 'assistant',
          content: 'Running.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/a"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'a\nb' },
        { role: 'tool', tool_call_id: 'toolu_2', content: `screenshot:\n${TOOL_IMAGE_NOTE}` },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'now summarise' },
            { type: 'image_url', image_url: { url: 'https://example.com/x.jpg' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_3', type: 'function', function: { name: 'Bash', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_3', content: '' },
      ],
      tools: [{ type: 'function', function: { name: 'Bash', description: 'Run', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'Bash' } },
      parallel_tool_calls: true,
      max_tokens: 32000,
      temperature: 1,
      top_p: 0.95,
      stop: ['\n\nHuman:'],
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = JSON.stringify(body);
    assert.ok(!text.includes('cache_control') && !text.includes('cacheControl'));
    assert.ok(!text.includes('I should run ls'), 'reasoning is dropped');
  });

  test('no tools: no tool_choice or parallel_tool_calls (OpenAI rejects them alone); no stream options when not streaming', () => {
    const body = encodeOpenAIRequest(
      { ...fromAnthropic, tools: [], stream: false, system: [], reasoning: { effort: 'high' }, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      'm',
    );
    assert.deepEqual(body, {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 32000,
      temperature: 1,
      top_p: 0.95,
      stop: ['\n\nHuman:'],
      reasoning_effort: 'high',
    });
  });

  test('an inline image in a user turn becomes a data: URL', () => {
    const body = encodeOpenAIRequest(
      { ...fromAnthropic, messages: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: 'QUJD' }] }] },
      'm',
    );
    assert.deepEqual((body['messages'] as unknown[])[1], {
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,QUJD' } }],
    });
  });

  test('decode(encode(x)) keeps an OpenAI-origin conversation intact', () => {
    const original = {
      model: 'up',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":[1,2]}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
        { role: 'assistant', content: 'ok' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      max_tokens: 10,
    };
    const canonical = decodeOpenAIRequest(original);
    assert.deepEqual(encodeOpenAIRequest(canonical, 'up'), original);
  });
});
