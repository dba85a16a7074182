import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScrubber, scrubSecrets } from '../../src/util/scrub.ts';

test('removes a given secret wherever it appears', () => {
  const key = 'my-master-key-123';
  const out = scrubSecrets(`auth failed for ${key} (key=${key})`, [key]);
  assert.ok(!out.includes(key), out);
  assert.equal(out, 'auth failed for [redacted] (key=[redacted])');
});

test('removes bearer tokens and sk- / AIza / ya29. shaped credentials it was not told about', () => {
  const text = [
    'Authorization: Bearer abcdefghijklmnop1234',
    'x: sk-ant-api03-AbCdEf_123456-xyz',
    'openai sk-proj-ZZZZZZZZZZZZ',
    'url https://generativelanguage.googleapis.com/v1/models?key=AIzaSyA1234567890abcdefghijklmnopqrstu',
    'token ya29.a0AfH6SMBx-yz_123.456',
  ].join('\n');
  const out = scrubSecrets(text);
  for (const secret of [
    'abcdefghijklmnop1234',
    'sk-ant-api03-AbCdEf_123456-xyz',
    'sk-proj-ZZZZZZZZZZZZ',
    'AIzaSyA1234567890abcdefghijklmnopqrstu',
    'ya29.a0AfH6SMBx-yz_123.456',
  ]) {
    assert.ok(!out.includes(secret), `${secret} survived in:\n${out}`);
  }
  assert.match(out, /Authorization: Bearer \[redacted\]/);
  assert.match(out, /x: \[redacted\]/);
});

test('removes PEM private keys and x-api-key headers', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0B\n-----END PRIVATE KEY-----';
  const out = scrubSecrets(`bad creds ${pem} and "x-api-key": "opaque-value-1" done`);
  assert.ok(!out.includes('MIIEvQIBADANBg'));
  assert.ok(!out.includes('opaque-value-1'));
  assert.ok(out.endsWith(' done'));
});

test('leaves ordinary text alone and ignores empty or tiny secrets', () => {
  const text = 'upstream returned 429: Resource exhausted, please ask for a quota increase (task-sk)';
  assert.equal(scrubSecrets(text, ['', 'a', undefined, null]), text);
});

test('a longer secret containing a shorter one is removed whole', () => {
  const scrub = createScrubber(['abcd', 'abcdefgh']);
  assert.equal(scrub('x abcdefgh y abcd'), 'x [redacted] y [redacted]');
});
