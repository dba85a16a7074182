import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGeminiError, fromGeminiUsage, toGeminiUsage } from '../../../src/proxy/protocols/gemini/index.ts';

describe('Gemini usage', () => {
  test('WIRE: promptTokenCount INCLUDES cached; output = candidates + thoughts; reasoning = thoughts; cacheRead = cachedContent; tool-use prompt counts as input', () => {
    assert.deepEqual(
      fromGeminiUsage({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 50, thoughtsTokenCount: 150, toolUsePromptTokenCount: 20, totalTokenCount: 1220 }),
      { input: 1020, output: 200, cacheRead: 800, cacheWrite: 0, reasoning: 150 },
    );
    assert.deepEqual(fromGeminiUsage(undefined), { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });

  test('and back (total = prompt + candidates + thoughts)', () => {
    assert.deepEqual(toGeminiUsage({ input: 1000, output: 200, cacheRead: 800, reasoning: 150 }), {
      promptTokenCount: 1000,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 150,
      cachedContentTokenCount: 800,
      totalTokenCount: 1200,
    });
  });
});

describe('Gemini errors', () => {
  test('Google RPC statuses decode to kinds, with retryability', () => {
    const body = (code: number, status: string) => JSON.stringify({ error: { code, message: `m ${status}`, status } });
    const quota = decodeGeminiError(429, body(429, 'RESOURCE_EXHAUSTED'), { 'retry-after': '3' });
    assert.equal(quota.kind, 'rate_limit');
    assert.equal(quota.retryable, true);
    assert.equal(quota.retryAfterMs, 3000);
    assert.equal(quota.code, 'upstream_resource_exhausted');
    assert.equal(quota.message, 'm RESOURCE_EXHAUSTED');
    assert.equal(decodeGeminiError(400, body(400, 'INVALID_ARGUMENT')).kind, 'invalid_request');
    assert.equal(decodeGeminiError(400, body(400, 'INVALID_ARGUMENT')).retryable, false);
    assert.equal(decodeGeminiError(401, body(401, 'UNAUTHENTICATED')).kind, 'authentication');
    assert.equal(decodeGeminiError(403, body(403, 'PERMISSION_DENIED')).kind, 'permission');
    assert.equal(decodeGeminiError(404, body(404, 'NOT_FOUND')).kind, 'not_found');
    assert.equal(decodeGeminiError(503, body(503, 'UNAVAILABLE')).retryable, true);
    assert.equal(decodeGeminiError(504, body(504, 'DEADLINE_EXCEEDED')).kind, 'timeout');
  });

  test("Vertex's stream endpoints wrap the status in an array; non-JSON falls back on the status", () => {
    const e = decodeGeminiError(400, JSON.stringify([{ error: { code: 400, message: 'bad schema', status: 'INVALID_ARGUMENT' } }]));
    assert.equal(e.message, 'bad schema');
    const html = decodeGeminiError(500, '<html/>');
    assert.equal(html.kind, 'api_error');
    assert.equal(html.retryable, true);
  });
});
