import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeGeminiCountTokensRequest,
  encodeGeminiRequest,
  geminiToolCallId,
  signatureFromToolCallId,
} from '../../../src/proxy/protocols/gemini/index.ts';
import { decodeAnthropicRequest } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import type { CanonicalRequest } from '../../../src/canonical/form.ts';

function req(r: Partial<CanonicalRequest>): CanonicalRequest {
  return { model: 'alias', system: [], messages: [], tools: [], stream: true, sourceDialect: 'anthropic', ...r };
}

describe('encodeGeminiRequest', () => {
  test('system → systemInstruction; roles user/model; tool results → functionResponse named after the call', () => {
    const body = encodeGeminiRequest(
      req({
        system: [{ type: 'text', text: 'Be terse.', cacheControl: { ttl: '5m' } }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'list', cacheControl: { ttl: '5m' } }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'ok' },
              { type: 'tool-call', id: 'toolu_1', name: 'Bash', args: { command: 'ls' } },
              { type: 'tool-call', id: 'toolu_2', name: 'Read', args: { file_path: '/a' } },
            ],
          },
          {
            role: 'tool',
            content: [
              { type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'a\nb' }] },
              { type: 'tool-result', toolCallId: 'toolu_2', content: [{ type: 'text', text: 'ENOENT' }], isError: true },
            ],
          },
          { role: 'user', content: [{ type: 'text', text: 'go on' }, { type: 'image', mediaType: 'image/png', data: 'AAA' }] },
        ],
      }),
    );
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be terse.' }] });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'list' }] },
      {
        role: 'model',
        parts: [{ text: 'ok' }, { functionCall: { name: 'Bash', args: { command: 'ls' } } }, { functionCall: { name: 'Read', args: { file_path: '/a' } } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'Bash', response: { result: 'a\nb' } } },
          { functionResponse: { name: 'Read', response: { error: 'ENOENT' } } },
          { text: 'go on' },
          { inlineData: { mimeType: 'image/png', data: 'AAA' } },
        ],
      },
    ]);
  });

  test('WIRE: cache_control never reaches Gemini', () => {
    const anthropicBody = {
      model: 'm',
      max_tokens: 10,
      system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
      tools: [{ name: 'f', input_schema: { type: 'object', properties: { a: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }],
    };
    const text = JSON.stringify(encodeGeminiRequest(decodeAnthropicRequest(anthropicBody)));
    assert.ok(!/cache_?control/i.test(text), text);
    assert.ok(!text.includes('ephemeral'));
  });

  test('WIRE: a functionCall goes back with its thoughtSignature — from the part, or from the tool-call id it rode in', () => {
    const viaId = geminiToolCallId('resp-1', 0, 'CiQB+/sigw==');
    assert.equal(signatureFromToolCallId(viaId), 'CiQB+/sigw==');
    assert.match(viaId, /^[A-Za-z0-9_-]+$/, 'the id stays valid for Anthropic and OpenAI');
    const body = encodeGeminiRequest(
      req({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'thinking text is not sent back', signature: 'anthropic-sig' },
              { type: 'tool-call', id: viaId, name: 'Write', args: { a: 1 } },
              { type: 'tool-call', id: 'plain', name: 'Read', args: {}, signature: 'PARTSIG' },
            ],
          },
          {
            role: 'tool',
            content: [
              { type: 'tool-result', toolCallId: viaId, content: [{ type: 'text', text: 'ok' }] },
              { type: 'tool-result', toolCallId: 'plain', content: [] },
            ],
          },
        ],
      }),
      { warn: () => {} },
    );
    const contents = body.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>;
    assert.deepEqual(contents[1], {
      role: 'model',
      parts: [
        { functionCall: { name: 'Write', args: { a: 1 } }, thoughtSignature: 'CiQB+/sigw==' },
        { functionCall: { name: 'Read', args: {} }, thoughtSignature: 'PARTSIG' },
      ],
    });
    assert.equal((contents[2]!.parts[0]!.functionResponse as { name: string }).name, 'Write');
  });

  test('thinking text from earlier turns is dropped with one warning', () => {
    const warnings: string[] = [];
    const body = encodeGeminiRequest(
      req({ messages: [{ role: 'assistant', content: [{ type: 'reasoning', text: 'x' }] }, { role: 'user', content: [{ type: 'text', text: 'y' }] }] }),
      { warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'y' }] }]);
    assert.equal(warnings.length, 1);
  });

  test('tools → functionDeclarations with cleaned schemas; tool_choice → functionCallingConfig', () => {
    const tools = [
      { name: 'Bash', description: 'run', parameters: { type: 'object', additionalProperties: false, properties: { command: { type: 'string' } }, required: ['command'] } },
      { name: 'Noop', parameters: { type: 'object', properties: {} } },
    ];
    const body = encodeGeminiRequest(req({ tools, toolChoice: { type: 'tool', name: 'Bash' } }));
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          { name: 'Bash', description: 'run', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
          { name: 'Noop' },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['Bash'] } });
    assert.deepEqual(encodeGeminiRequest(req({ tools, toolChoice: { type: 'auto' } })).toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
    assert.deepEqual(encodeGeminiRequest(req({ tools, toolChoice: { type: 'none' } })).toolConfig, { functionCallingConfig: { mode: 'NONE' } });
    assert.deepEqual(encodeGeminiRequest(req({ tools, toolChoice: { type: 'required' } })).toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    assert.equal(encodeGeminiRequest(req({})).tools, undefined);
  });

  test('generationConfig: max tokens, sampling, stop sequences (at most 5), thinking budget with includeThoughts', () => {
    const warnings: string[] = [];
    const body = encodeGeminiRequest(
      req({ maxTokens: 100, temperature: 0.5, topP: 0.8, stopSequences: ['1', '2', '3', '4', '5', '6'], reasoning: { budgetTokens: 2048 } }),
      { warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 100,
      temperature: 0.5,
      topP: 0.8,
      stopSequences: ['1', '2', '3', '4', '5'],
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    });
    assert.equal(warnings.length, 1);
    assert.deepEqual((encodeGeminiRequest(req({ reasoning: { effort: 'low' } })).generationConfig as Record<string, unknown>).thinkingConfig, {
      thinkingBudget: 1024,
      includeThoughts: true,
    });
    assert.equal(encodeGeminiRequest(req({})).generationConfig, undefined);
  });

  test('countTokens body carries the prompt only', () => {
    const body = encodeGeminiCountTokensRequest(req({ maxTokens: 5, system: [{ type: 'text', text: 's' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }));
    assert.deepEqual(Object.keys(body).sort(), ['contents', 'systemInstruction']);
  });
});
