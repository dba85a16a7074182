import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxyError } from '../../src/canonical/errors.ts';
import { parseScriptHeader, SimScriptError } from '../../src/sim/script.ts';

const script = [
  { action: 'write', path: 'a.txt', content: 'hi' },
  { action: 'bash', command: 'cat a.txt' },
  { action: 'say', text: 'done' },
];

describe('parseScriptHeader', () => {
  test('accepts JSON', () => {
    assert.deepEqual(parseScriptHeader(JSON.stringify(script)), script);
    assert.deepEqual(parseScriptHeader(' {"action":"say","text":"hi"} '), [{ action: 'say', text: 'hi' }]);
  });

  test('accepts base64 and base64url of JSON', () => {
    const json = JSON.stringify(script);
    assert.deepEqual(parseScriptHeader(Buffer.from(json).toString('base64')), script);
    assert.deepEqual(parseScriptHeader(Buffer.from(json).toString('base64url')), script);
  });

  test('rejects bad input with a clear invalid_request error', () => {
    const bad = (v: string, re: RegExp) =>
      assert.throws(
        () => parseScriptHeader(v),
        (e) => e instanceof SimScriptError && e instanceof ProxyError && e.code === 'invalid_sim_script' && e.status === 400 && re.test(e.message),
      );
    bad('', /empty/);
    bad('not json!', /neither JSON nor base64/);
    bad('[{"action":"say"', /not valid JSON/);
    bad('[{"action":"fly","to":"moon"}]', /not a valid script/);
    bad('[{"action":"bash","command":"ls","extra":1}]', /not a valid script/);
  });
});
