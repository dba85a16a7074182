import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  anthropicErrorFrame,
  decodeAnthropicError,
  encodeAnthropicError,
  fromAnthropicStopReason,
  fromAnthropicUsage,
  toAnthropicStopReason,
  toAnthropicUsage,
} from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { ProxyError, type ErrorKind } from '../../../src/canonical/errors.ts';
import { frames } from '../../backends/helpers/streams.ts';

describe('Anthropic usage', () => {
  test('WIRE: input_tokens EXCLUDES cache: canonical input = input + cache_creation + cache_read', () => {
    assert.deepEqual(fromAnthropicUsage({ input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000, output_tokens: 7 }), {
      input: 3210,
      output: 7,
      cacheRead: 3000,
      cacheWrite: 200,
      reasoning: 0,
    });
    assert.deepEqual(fromAnthropicUsage({ input_tokens: 5, cache_creation_input_tokens: null }), { input: 5, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  });

  test('and back: input_tokens = input − cacheRead − cacheWrite (round trip is exact)', () => {
    const a = { input_tokens: 10, output_tokens: 7, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000 };
    assert.deepEqual(toAnthropicUsage(fromAnthropicUsage(a)), a);
    assert.equal(toAnthropicUsage({ input: 5, cacheRead: 9 }).input_tokens, 0, 'never negative');
  });

  test('1-hour cache writes: cache_creation.ephemeral_1h_input_tokens ⇄ cacheWrite1h (round trip is exact)', () => {
    const a = {
      input_tokens: 10,
      output_tokens: 7,
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 50, ephemeral_1h_input_tokens: 150 },
    };
    assert.equal(fromAnthropicUsage(a).cacheWrite1h, 150);
    assert.deepEqual(toAnthropicUsage(fromAnthropicUsage(a)), a);
  });
});

describe('Anthropic stop reasons', () => {
  test('each of end_turn|max_tokens|stop_sequence|tool_use maps both ways', () => {
    assert.equal(fromAnthropicStopReason('end_turn'), 'stop');
    assert.equal(fromAnthropicStopReason('stop_sequence'), 'stop');
    assert.equal(fromAnthropicStopReason('max_tokens'), 'length');
    assert.equal(fromAnthropicStopReason('tool_use'), 'tool_use');
    assert.equal(fromAnthropicStopReason('refusal'), 'content_filter');
    assert.equal(toAnthropicStopReason('stop'), 'end_turn');
    assert.equal(toAnthropicStopReason('stop', 'END'), 'stop_sequence');
    assert.equal(toAnthropicStopReason('length'), 'max_tokens');
    assert.equal(toAnthropicStopReason('tool_use'), 'tool_use');
    assert.equal(toAnthropicStopReason('content_filter'), 'end_turn');
    assert.equal(toAnthropicStopReason('error'), 'end_turn');
  });
});

describe('Anthropic errors', () => {
  test('WIRE: error bodies {type:error, error:{type,message}} with the matching status (400 401 404 429 500 529, and 403 413)', () => {
    const cases: Array<[ErrorKind, number, string]> = [
      ['invalid_request', 400, 'invalid_request_error'],
      ['authentication', 401, 'authentication_error'],
      ['permission', 403, 'permission_error'],
      ['not_found', 404, 'not_found_error'],
      ['request_too_large', 413, 'request_too_large'],
      ['rate_limit', 429, 'rate_limit_error'],
      ['api_error', 500, 'api_error'],
      ['overloaded', 529, 'overloaded_error'],
      ['timeout', 504, 'api_error'],
      ['bad_gateway', 502, 'api_error'],
    ];
    for (const [kind, status, type] of cases) {
      const out = encodeAnthropicError(new ProxyError('boom', { code: 'c', kind }));
      assert.deepEqual(out, { status, body: { type: 'error', error: { type, message: 'boom' } } }, kind);
    }
  });

  test('upstream error answers decode to the right kind, retryability and Retry-After', () => {
    const body = (type: string) => JSON.stringify({ type: 'error', error: { type, message: `m-${type}` } });
    const overloaded = decodeAnthropicError(529, body('overloaded_error'));
    assert.equal(overloaded.kind, 'overloaded');
    assert.equal(overloaded.status, 529);
    assert.equal(overloaded.retryable, true);
    assert.equal(overloaded.upstreamStatus, 529);
    assert.equal(overloaded.message, 'm-overloaded_error');

    const limited = decodeAnthropicError(429, body('rate_limit_error'), { 'retry-after': '7' });
    assert.equal(limited.kind, 'rate_limit');
    assert.equal(limited.retryAfterMs, 7000);
    assert.equal(decodeAnthropicError(429, body('rate_limit_error'), new Headers({ 'retry-after-ms': '250' })).retryAfterMs, 250);

    const auth = decodeAnthropicError(401, body('authentication_error'));
    assert.equal(auth.kind, 'authentication');
    assert.equal(auth.retryable, false);
    assert.equal(decodeAnthropicError(404, body('not_found_error')).kind, 'not_found');
    assert.equal(decodeAnthropicError(400, body('invalid_request_error')).retryable, false);
    assert.equal(decodeAnthropicError(500, body('api_error')).retryable, true);
  });

  test('x-should-retry overrides, and non-JSON bodies fall back on the status', () => {
    assert.equal(decodeAnthropicError(500, '{}', { 'x-should-retry': 'false' }).retryable, false);
    assert.equal(decodeAnthropicError(409, '{}', { 'x-should-retry': 'true' }).retryable, true);
    const html = decodeAnthropicError(502, '<html>bad gateway</html>');
    assert.equal(html.kind, 'bad_gateway');
    assert.equal(html.retryable, true);
    assert.equal(html.message, 'upstream answered 502');
  });

  test('the error frame for a started stream is `event: error` with the Anthropic body', () => {
    const [f] = frames(new TextDecoder().decode(anthropicErrorFrame(new ProxyError('late', { code: 'c', kind: 'overloaded' }))));
    assert.deepEqual(f, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'late' } } });
  });
});
