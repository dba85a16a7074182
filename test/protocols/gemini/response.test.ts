import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGeminiResponse, encodeGeminiResponse, signatureFromToolCallId } from '../../../src/proxy/protocols/gemini/index.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';

describe('Gemini responses', () => {
  test('generateContent answer → canonical (thoughts, text, calls with signatures, STOP after a call → tool_use)', () => {
    const res = decodeGeminiResponse({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'plan', thought: true },
              { text: 'Doing it.' },
              { functionCall: { name: 'Bash', args: { command: 'ls' } }, thoughtSignature: 'U0lH' },
              { functionCall: { name: 'Read', args: { file_path: '/a' } } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 2 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'r1',
    });
    assert.equal(res.id, 'r1');
    assert.equal(res.finish, 'tool_use');
    assert.deepEqual(res.usage, { input: 10, output: 7, cacheRead: 0, cacheWrite: 0, reasoning: 2 });
    assert.deepEqual(res.content.slice(0, 2), [
      { type: 'reasoning', text: 'plan' },
      { type: 'text', text: 'Doing it.' },
    ]);
    const [bash, read] = res.content.slice(2) as Array<{ id: string; signature?: string }>;
    assert.equal(bash!.signature, 'U0lH');
    assert.equal(signatureFromToolCallId(bash!.id), 'U0lH');
    assert.notEqual(bash!.id, read!.id);
  });

  test('encodeGeminiResponse → decodeGeminiResponse is the identity on canonical content', () => {
    const original = decodeGeminiResponse(
      encodeGeminiResponse({
        id: 'r2',
        model: 'gemini-x',
        content: [{ type: 'text', text: 'hi' }],
        finish: 'length',
        usage: { input: 4, output: 3, cacheRead: 1, cacheWrite: 0, reasoning: 1 },
      }),
    );
    assert.deepEqual(original, {
      id: 'r2',
      model: 'gemini-x',
      content: [{ type: 'text', text: 'hi' }],
      finish: 'length',
      usage: { input: 4, output: 3, cacheRead: 1, cacheWrite: 0, reasoning: 1 },
    });
  });

  test('a blocked prompt is content_filter; an error body or malformed answer throws', () => {
    assert.equal(decodeGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' } }).finish, 'content_filter');
    assert.throws(() => decodeGeminiResponse({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'q' } }), (e: unknown) => e instanceof ProxyError && e.kind === 'rate_limit');
    assert.throws(() => decodeGeminiResponse({ candidates: 'x' }), (e: unknown) => e instanceof ProxyError && e.kind === 'bad_gateway');
  });
});
