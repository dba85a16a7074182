import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../../src/canonical/errors.ts';
import { MAX_ERROR_MESSAGE, parseSpendRecord, spendErrorOf, SPEND_RECORD_VERSION } from '../../src/proxy/spend/record.ts';
import { sampleRecord } from './fixtures.ts';

test('a record survives a JSON round trip through the schema', () => {
  const rec = sampleRecord();
  assert.equal(rec.v, SPEND_RECORD_VERSION);
  assert.deepEqual(parseSpendRecord(JSON.parse(JSON.stringify(rec))), rec);
});

test('invalid records are refused', () => {
  assert.equal(parseSpendRecord({ ...sampleRecord(), v: 99 }), null);
  assert.equal(parseSpendRecord({ ...sampleRecord(), surface: '' }), null);
  assert.equal(parseSpendRecord({ ...sampleRecord(), surface: 7 }), null);
  assert.equal(parseSpendRecord({ ...sampleRecord(), ts: 'yesterday' }), null);
  assert.equal(parseSpendRecord({ ...sampleRecord(), usage: { input: -1, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }), null);
  const { costUsd: _c, ...missing } = sampleRecord();
  assert.equal(parseSpendRecord(missing), null);
});

test('surface, endpoint and backend are open sets of names: a record of a surface or backend added later still reads', () => {
  const rec = parseSpendRecord({ ...sampleRecord(), surface: 'some-future-dialect', endpoint: 'generate', backend: 'some-provider' });
  assert.equal(rec?.surface, 'some-future-dialect');
  assert.equal(rec?.backend, 'some-provider');
});

test('spendErrorOf scrubs secrets from the message and keeps code and kind', () => {
  const e = new ProxyError('upstream said: invalid x-api-key sk-ant-api03-secretsecret for key k3y-s3cret', {
    code: 'upstream_auth',
    kind: 'authentication',
  });
  const err = spendErrorOf(e, ['k3y-s3cret']);
  assert.equal(err.code, 'upstream_auth');
  assert.equal(err.kind, 'authentication');
  assert.ok(!err.message.includes('secretsecret'));
  assert.ok(!err.message.includes('k3y-s3cret'));
  assert.ok(parseSpendRecord({ ...sampleRecord(), status: 401, error: err }));
});

test('spendErrorOf truncates very long messages', () => {
  const err = spendErrorOf({ code: 'x', kind: 'api_error', message: 'y'.repeat(5000) });
  assert.equal(err.message.length, MAX_ERROR_MESSAGE + 1);
});
