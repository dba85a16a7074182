import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAnthropicRequest, decodeAnthropicCountTokensBody } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';

/** A body shaped like Claude Code's: system block array with cache_control, many tools, fields we do not model. */
function claudeCodeBody(): Record<string, unknown> {
  const tools = Array.from({ length: 24 }, (_, i) => ({
    name: i === 0 ? 'Bash' : `Tool${i}`,
    description: `tool ${i}`,
    input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'], additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' },
    ...(i === 23 ? { cache_control: { type: 'ephemeral' } } : {}),
  }));
  return {
    model: 'shared-model',
    max_tokens: 32000,
    stream: true,
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'x'.repeat(20_000) },
    ],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hello', cache_control: { type: 'ephemeral' } }] }],
    tools,
    metadata: { user_id: 'user_abc_account__session_123' },
    thinking: { type: 'enabled', budget_tokens: 4000 },
    context_management: { edits: [] },
    temperature: 1,
    some_future_field: { anything: true },
  };
}

describe('decodeAnthropicRequest', () => {
  test("WIRE: Claude Code's request (system array, ~24 tools, unknown fields) decodes without rejection", () => {
    const req = decodeAnthropicRequest(claudeCodeBody());
    assert.equal(req.model, 'shared-model');
    assert.equal(req.stream, true);
    assert.equal(req.sourceDialect, 'anthropic');
    assert.equal(req.tools.length, 24);
    assert.equal(req.system.length, 2);
    assert.deepEqual(req.system[0], { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cacheControl: { ttl: '5m' } });
    assert.equal(req.system[1]?.cacheControl, undefined);
    assert.deepEqual(req.reasoning, { budgetTokens: 4000 });
    assert.equal(req.maxTokens, 32000);
    assert.deepEqual(req.messages[0], { role: 'user', content: [{ type: 'text', text: 'hello', cacheControl: { ttl: '5m' } }] });
    assert.equal((req.raw as Record<string, unknown>).some_future_field !== undefined, true);
  });

  test('system as a plain string', () => {
    const req = decodeAnthropicRequest({ model: 'm', max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(req.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.deepEqual(req.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    assert.equal(req.stream, false);
  });

  test('multi-turn tool use: tool_result blocks become a tool message (named after the call), then the rest of the user turn', () => {
    const req = decodeAnthropicRequest({
      model: 'm',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'list files' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I will use Bash', signature: 'sig123' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'Listing.' },
            { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
            { type: 'tool_use', id: 'toolu_2', name: 'Read', input: { file_path: '/a' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a\nb' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              is_error: true,
              content: [
                { type: 'text', text: 'no such file' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
              ],
            },
            { type: 'text', text: 'continue' },
          ],
        },
      ],
    });
    assert.equal(req.messages.length, 4);
    assert.deepEqual(req.messages[1], {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'I will use Bash', signature: 'sig123' },
        { type: 'reasoning', text: '', redacted: 'opaque' },
        { type: 'text', text: 'Listing.' },
        { type: 'tool-call', id: 'toolu_1', name: 'Bash', args: { command: 'ls' } },
        { type: 'tool-call', id: 'toolu_2', name: 'Read', args: { file_path: '/a' } },
      ],
    });
    assert.deepEqual(req.messages[2], {
      role: 'tool',
      content: [
        { type: 'tool-result', toolCallId: 'toolu_1', name: 'Bash', content: [{ type: 'text', text: 'a\nb' }] },
        {
          type: 'tool-result',
          toolCallId: 'toolu_2',
          name: 'Read',
          isError: true,
          content: [
            { type: 'text', text: 'no such file' },
            { type: 'image', mediaType: 'image/png', data: 'iVBOR' },
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[3], { role: 'user', content: [{ type: 'text', text: 'continue' }] });
  });

  test('images by base64 and by URL', () => {
    const req = decodeAnthropicRequest({
      model: 'm',
      max_tokens: 5,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp?x=1' } },
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[0]?.content, [
      { type: 'image', mediaType: 'image/jpeg', data: 'AAA' },
      { type: 'image', mediaType: 'image/webp', url: 'https://example.com/cat.webp?x=1' },
    ]);
  });

  test('server tools (typed like web_search_20250305, bash_20250124) are dropped with a warning; custom tools kept', () => {
    const warnings: string[] = [];
    const req = decodeAnthropicRequest(
      {
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        tools: [
          { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
          { type: 'bash_20250124', name: 'bash' },
          { type: 'custom', name: 'Edit', input_schema: { type: 'object', properties: {} } },
          { name: 'Read', description: 'read', input_schema: { type: 'object', properties: { p: { type: 'string' } } } },
        ],
      },
      { warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(req.tools.map((t) => t.name), ['Edit', 'Read']);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /web_search/);
  });

  test('tool_choice auto/any/tool/none and disable_parallel_tool_use', () => {
    const base = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
    assert.deepEqual(decodeAnthropicRequest({ ...base, tool_choice: { type: 'auto' } }).toolChoice, { type: 'auto' });
    assert.deepEqual(decodeAnthropicRequest({ ...base, tool_choice: { type: 'any' } }).toolChoice, { type: 'required' });
    assert.deepEqual(decodeAnthropicRequest({ ...base, tool_choice: { type: 'none' } }).toolChoice, { type: 'none' });
    const t = decodeAnthropicRequest({ ...base, tool_choice: { type: 'tool', name: 'Bash', disable_parallel_tool_use: true } });
    assert.deepEqual(t.toolChoice, { type: 'tool', name: 'Bash' });
    assert.equal(t.parallelToolCalls, false);
  });

  test('sampling fields, stop_sequences and adaptive thinking', () => {
    const req = decodeAnthropicRequest({
      model: 'm',
      max_tokens: 77,
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(req.maxTokens, 77);
    assert.equal(req.temperature, 0.2);
    assert.equal(req.topP, 0.9);
    assert.deepEqual(req.stopSequences, ['END']);
    assert.deepEqual(req.reasoning, { effort: 'high' });
    const off = decodeAnthropicRequest({ model: 'm', max_tokens: 5, thinking: { type: 'disabled' }, messages: [] });
    assert.equal(off.reasoning, undefined);
  });

  test('unknown block types are dropped with a warning, not rejected', () => {
    const warnings: string[] = [];
    const req = decodeAnthropicRequest(
      {
        model: 'm',
        max_tokens: 5,
        messages: [
          { role: 'user', content: [{ type: 'document', source: {} }, { type: 'text', text: 'q' }] },
          { role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }, { type: 'text', text: 'a' }] },
        ],
      },
      { warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(req.messages[0]?.content, [{ type: 'text', text: 'q' }]);
    assert.deepEqual(req.messages[1]?.content, [{ type: 'text', text: 'a' }]);
    assert.equal(warnings.length, 2);
  });

  test('invalid bodies are a 400 invalid_request ProxyError naming the problem', () => {
    for (const body of [{}, { model: 'm', messages: 'nope' }, { model: 'm', messages: [{ role: 'bot', content: 'x' }] }]) {
      assert.throws(
        () => decodeAnthropicRequest(body),
        (e: unknown) => e instanceof ProxyError && e.kind === 'invalid_request' && e.status === 400,
      );
    }
    assert.throws(
      () => decodeAnthropicRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 1 }] }] }),
      (e: unknown) => e instanceof ProxyError && /tool_use/.test(e.message),
    );
  });

  test('WIRE: count_tokens bodies (no max_tokens, no stream) decode', () => {
    const req = decodeAnthropicCountTokensBody({
      model: 'shared-model',
      system: 'sys',
      messages: [{ role: 'user', content: 'count me' }],
      tools: [{ name: 'Bash', input_schema: { type: 'object', properties: {} } }],
    });
    assert.equal(req.stream, false);
    assert.equal(req.maxTokens, undefined);
    assert.equal(req.tools.length, 1);
  });
});
