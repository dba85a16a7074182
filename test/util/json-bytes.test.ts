/** stringifyJsonBytes must give exactly the bytes of Buffer.from(JSON.stringify(value)). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJsonBytes } from '../../src/util/json-bytes.ts';

const chars = fc.constantFrom('a', 'é', 'Ã', '©', '✓', '—', '😀', '"', '\\', '\n', '\u0000', '\u2028', '\ud800', '\udc00', ' ');
const text = fc.string({ unit: chars, maxLength: 12 });
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('node'), { maxKeys: 4 }),
})).node;

describe('stringifyJsonBytes', () => {
  test('the bytes of Buffer.from(JSON.stringify(value)), small and large bodies', () => {
    fc.assert(
      fc.property(value, fc.nat({ max: 5000 }), (v, pad) => {
        const wrapped = { pad: 'p'.repeat(pad), v };
        assert.ok(stringifyJsonBytes(wrapped).equals(Buffer.from(JSON.stringify(wrapped))));
      }),
      { numRuns: 1000 },
    );
  });

  test('a body larger than the reused buffer, then a small one: no bytes of the first leak', () => {
    const big = { text: '✓'.repeat(200_000) };
    assert.ok(stringifyJsonBytes(big).equals(Buffer.from(JSON.stringify(big))));
    const small = { text: 'x'.repeat(2000) };
    assert.ok(stringifyJsonBytes(small).equals(Buffer.from(JSON.stringify(small))));
  });

  test('what JSON.stringify cannot serialise is an error', () => {
    assert.throws(() => stringifyJsonBytes(undefined), TypeError);
    assert.throws(() => stringifyJsonBytes({ n: 1n }), TypeError);
  });
});
