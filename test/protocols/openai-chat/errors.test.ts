import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError, type ErrorKind } from '../../../src/canonical/errors.ts';
import {
  decodeOpenAIError,
  decodeOpenAIErrorPayload,
  encodeOpenAIError,
} from '../../../src/proxy/protocols/openai-chat/index.ts';
import { retryAfterMs } from '../../../src/proxy/protocols/common/headers.ts';

describe('encodeOpenAIError', () => {
  const cases: Array<[ErrorKind, number, string]> = [
    ['invalid_request', 400, 'invalid_request_error'],
    ['not_found', 404, 'invalid_request_error'],
    ['request_too_large', 413, 'invalid_request_error'],
    ['authentication', 401, 'authentication_error'],
    ['permission', 403, 'permission_error'],
    ['rate_limit', 429, 'rate_limit_error'],
    ['api_error', 500, 'api_error'],
    ['bad_gateway', 502, 'api_error'],
    ['unavailable', 503, 'api_error'],
    ['timeout', 504, 'timeout_error'],
  ];
  for (const [kind, status, type] of cases) {
    test(`${kind} → ${status} ${type}`, () => {
      const e = new ProxyError(`boom ${kind}`, { code: `c_${kind}`, kind });
      assert.deepEqual(encodeOpenAIError(e), {
        status,
        body: { error: { message: `boom ${kind}`, type, code: `c_${kind}`, param: null } },
      });
    });
  }

  test('param comes from the error context', () => {
    const e = new ProxyError('messages: required', { code: 'invalid_request', kind: 'invalid_request', context: { param: 'messages' } });
    assert.equal(encodeOpenAIError(e).body.error.param, 'messages');
  });
});

describe('decodeOpenAIError', () => {
  const body = (message: string, type = 'invalid_request_error', code: unknown = null) =>
    JSON.stringify({ error: { message, type, param: null, code } });

  test('429 with retry-after seconds is retryable', () => {
    const e = decodeOpenAIError(429, body('Rate limit reached for gpt-4o', 'requests', 'rate_limit_exceeded'), { 'Retry-After': '2' });
    assert.equal(e.kind, 'rate_limit');
    assert.equal(e.status, 429);
    assert.equal(e.upstreamStatus, 429);
    assert.equal(e.retryable, true);
    assert.equal(e.retryAfterMs, 2000);
    assert.equal(e.code, 'upstream_rate_limit');
    assert.match(e.message, /429: Rate limit reached for gpt-4o/);
    assert.deepEqual(e.context, { upstreamType: 'requests', upstreamCode: 'rate_limit_exceeded' });
  });

  test('retry-after-ms wins; an HTTP date is relative to the injected clock', () => {
    const h = new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' });
    assert.equal(decodeOpenAIError(503, '', h).retryAfterMs, 1500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, () => now), 30000);
    assert.equal(retryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }, () => now), 0);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
    assert.equal(retryAfterMs({}), undefined);
  });

  test('retryable for 408 and 5xx, not for 400/401/404; x-should-retry overrides', () => {
    assert.equal(decodeOpenAIError(408, '').retryable, true);
    assert.equal(decodeOpenAIError(408, '').kind, 'timeout');
    assert.equal(decodeOpenAIError(500, '').retryable, true);
    assert.equal(decodeOpenAIError(502, '').kind, 'bad_gateway');
    assert.equal(decodeOpenAIError(400, body('bad')).retryable, false);
    assert.equal(decodeOpenAIError(404, body('no model')).kind, 'not_found');
    assert.equal(decodeOpenAIError(500, '', { 'x-should-retry': 'false' }).retryable, false);
    assert.equal(decodeOpenAIError(400, '', { 'x-should-retry': 'true' }).retryable, true);
  });

  test('keys echoed by the upstream are masked; non-JSON bodies are summarised', () => {
    const e = decodeOpenAIError(401, body('Incorrect API key provided: sk-proj-abc123***************wxyz. You can find…', 'invalid_request_error', 'invalid_api_key'), {});
    assert.equal(e.kind, 'authentication');
    assert.ok(!e.message.includes('abc123'), e.message);
    assert.match(e.message, /\[redacted\]/);
    const g = decodeOpenAIError(400, body('API key not valid: AIzaSyA1234567890abcdefg'), {});
    assert.ok(!g.message.includes('AIzaSy'));
    const html = decodeOpenAIError(502, '<html><body>Bad Gateway</body></html>\nmore');
    assert.equal(html.message, 'upstream answered 502: <html><body>Bad Gateway</body></html>');
    assert.equal(decodeOpenAIError(500, '').message, 'upstream answered 500: no error body');
  });

  test('string errors and array-wrapped bodies (Vertex) are read', () => {
    assert.match(decodeOpenAIError(400, JSON.stringify({ error: 'model not loaded' })).message, /model not loaded/);
    const vertex = JSON.stringify([{ error: { code: 400, message: 'Invalid JSON payload', status: 'INVALID_ARGUMENT' } }]);
    assert.match(decodeOpenAIError(400, vertex).message, /Invalid JSON payload/);
  });
});

describe('decodeOpenAIErrorPayload (mid-stream)', () => {
  test('kind from type, from a string code, or from a numeric status code', () => {
    assert.equal(decodeOpenAIErrorPayload({ error: { message: 'x', type: 'invalid_request_error' } }).kind, 'invalid_request');
    assert.equal(decodeOpenAIErrorPayload({ error: { message: 'x', code: 'context_length_exceeded' } }).kind, 'invalid_request');
    const numeric = decodeOpenAIErrorPayload({ error: { message: 'x', code: 429 } });
    assert.equal(numeric.kind, 'rate_limit');
    assert.equal(numeric.upstreamStatus, 429);
    assert.equal(numeric.retryable, true);
    const unknown = decodeOpenAIErrorPayload({ error: { message: 'who knows' } });
    assert.equal(unknown.kind, 'api_error');
  });
});
