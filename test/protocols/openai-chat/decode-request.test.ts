import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../../../src/canonical/errors.ts';
import { decodeOpenAIRequest } from '../../../src/proxy/protocols/openai-chat/index.ts';

function rejects(body: unknown, message: RegExp, param?: string): void {
  assert.throws(
    () => decodeOpenAIRequest(body),
    (e: unknown) => {
      assert.ok(e instanceof ProxyError);
      assert.equal(e.kind, 'invalid_request');
      assert.equal(e.code, 'invalid_request');
      assert.equal(e.status, 400);
      assert.match(e.message, message);
      if (param !== undefined) assert.equal(e.context['param'], param);
      return true;
    },
  );
}

const PNG = 'iVBORw0KGgo=';

describe('decodeOpenAIRequest', () => {
  test('a full OpenCode-style conversation', () => {
    const body = {
      model: 'shared-model',
      messages: [
        { role: 'system', content: 'You are opencode.' },
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?x=1', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } },
            { id: 'call_2', type: 'function', function: { name: 'read', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a.ts\nb.ts' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'file body' }] },
        { role: 'user', content: 'thanks' },
      ],
      tools: [
        { type: 'function', function: { name: 'bash', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } } } } },
        { type: 'function', function: { name: 'read' } },
      ],
      tool_choice: { type: 'function', function: { name: 'bash' } },
      parallel_tool_calls: false,
      max_tokens: 100,
      max_completion_tokens: 4096,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'minimal',
      some_vendor_extension: { keep: true },
    };
    const req = decodeOpenAIRequest(body);
    assert.deepEqual(req, {
      model: 'shared-model',
      system: [
        { type: 'text', text: 'You are opencode.' },
        { type: 'text', text: 'Be brief.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', mediaType: 'image/png', data: PNG },
            { type: 'image', mediaType: 'image/webp', url: 'https://example.com/cat.webp?x=1' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool-call', id: 'call_1', name: 'bash', args: { command: 'ls' } },
            { type: 'tool-call', id: 'call_2', name: 'read', args: {} },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'call_1', name: 'bash', content: [{ type: 'text', text: 'a.ts\nb.ts' }] },
            { type: 'tool-result', toolCallId: 'call_2', name: 'read', content: [{ type: 'text', text: 'file body' }] },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
      ],
      tools: [
        { name: 'bash', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } } } },
        { name: 'read', parameters: { type: 'object', properties: {} } },
      ],
      toolChoice: { type: 'tool', name: 'bash' },
      parallelToolCalls: false,
      maxTokens: 4096,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      stream: true,
      reasoning: { effort: 'low' },
      sourceDialect: 'openai',
      raw: body,
    });
  });

  test('minimal request: defaults', () => {
    const req = decodeOpenAIRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, stop: ['a', 'b'] });
    assert.equal(req.stream, false);
    assert.equal(req.maxTokens, 5);
    assert.deepEqual(req.stopSequences, ['a', 'b']);
    assert.deepEqual(req.tools, []);
    assert.equal(req.toolChoice, undefined);
    assert.equal(req.reasoning, undefined);
    assert.equal('parallelToolCalls' in req, false);
  });

  test('tool_choice strings, reasoning_effort scale', () => {
    for (const c of ['auto', 'none', 'required'] as const) {
      assert.deepEqual(decodeOpenAIRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: c }).toolChoice, { type: c });
    }
    const effort = (e: string) => decodeOpenAIRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], reasoning_effort: e }).reasoning;
    assert.deepEqual(effort('medium'), { effort: 'medium' });
    assert.deepEqual(effort('xhigh'), { effort: 'high' });
    assert.equal(effort('none'), undefined);
  });

  test('assistant with null content, reasoning_content, and a separated tool message', () => {
    const req = decodeOpenAIRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, reasoning_content: 'hmm', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'c', content: 'r1' },
        { role: 'user', content: 'next' },
        { role: 'tool', tool_call_id: 'unknown', content: 'r2' },
      ],
    });
    assert.deepEqual(req.messages[1], {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'hmm' },
        { type: 'tool-call', id: 'c', name: 'f', args: { a: 1 } },
      ],
    });
    assert.equal(req.messages.length, 5);
    assert.deepEqual(req.messages[4], {
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'unknown', content: [{ type: 'text', text: 'r2' }] }],
    });
  });

  test('a URL-encoded data: URL becomes base64', () => {
    const req = decodeOpenAIRequest({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml,%3Csvg%3E' } }] }],
    });
    assert.deepEqual(req.messages[0]?.content[0], { type: 'image', mediaType: 'image/svg+xml', data: Buffer.from('<svg>').toString('base64') });
  });
});

describe('decodeOpenAIRequest validation errors name the field', () => {
  test('body not an object', () => rejects([1, 2], /JSON object/));
  test('missing model and messages', () => rejects({}, /^model: required; messages: required$/, 'model'));
  test('empty messages', () => rejects({ model: 'm', messages: [] }, /^messages: must contain at least 1 item/, 'messages'));
  test('empty model', () => rejects({ model: '', messages: [{ role: 'user', content: 'x' }] }, /^model: must not be empty/));
  test('bad role', () =>
    rejects(
      { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'bot', content: 'c' }] },
      /^messages\[2\]\.role: expected one of system, developer, user, assistant, tool \(received "bot"\)$/,
      'messages[2].role',
    ));
  test('missing role', () => rejects({ model: 'm', messages: [{ content: 'c' }] }, /^messages\[0\]\.role: required/));
  test('content of the wrong type', () =>
    rejects({ model: 'm', messages: [{ role: 'user', content: 3 }] }, /^messages\[0\]\.content: expected string or array \(received 3\)$/));
  test('a text part without text', () =>
    rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] }, /^messages\[0\]\.content\[0\]\.text: required/));
  test('an unknown content part type', () =>
    rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'video' }] }] }, /^messages\[0\]\.content\[0\]\.type: expected one of text, image_url/));
  test('a known but unsupported content part', () =>
    rejects(
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] },
      /^messages\[0\]\.content\[0\]\.type: content part "input_audio" is not supported/,
      'messages[0].content[0].type',
    ));
  test('tool message without tool_call_id', () =>
    rejects({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, /^messages\[0\]\.tool_call_id: required/));
  test('unparsable tool call arguments name the tool call', () =>
    rejects(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'bash', arguments: '{"command":' } }] },
        ],
      },
      /^messages\[1\]\.tool_calls\[0\]\.function\.arguments: tool call "call_9" \(bash\) has arguments that are not valid JSON$/,
      'messages[1].tool_calls[0].function.arguments',
    ));
  test('bad tool_choice', () =>
    rejects({ model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: 'always' }, /^tool_choice: expected one of auto, none, required or object/));
  test('a malformed data: URL', () =>
    rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64' } }] }] }, /malformed data: URL/));
  test('n > 1', () => rejects({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, /^n: only n=1/, 'n'));
  test('non-function tools', () =>
    rejects({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: {} }] }, /^tools\[0\]\.type/));
});
