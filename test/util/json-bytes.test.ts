/**
 * stringifyJsonBytes must give exactly the bytes of Buffer.from(JSON.stringify(value)), also
 * when some top-level values are kept as bytes (keepJsonBytes).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keepJsonBytes, stringifyJsonBytes } from '../../src/util/json-bytes.ts';

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

  test('kept values spliced in where they are top-level properties: the same bytes as JSON.stringify', () => {
    const container = fc.oneof(fc.array(value, { maxLength: 3 }), fc.dictionary(text, value, { maxKeys: 3 }));
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 5 }), fc.array(fc.tuple(text, container), { maxLength: 3 }), fc.nat({ max: 3000 }), (plain, kept, pad) => {
        const body: Record<string, unknown> = { pad: 'p'.repeat(pad), ...plain };
        for (const [k, v] of kept) body[k] = keepJsonBytes(v);
        // A kept value elsewhere than at the top is serialised as usual.
        if (kept.length) body.nested = { again: body[kept[0]![0]] };
        assert.ok(stringifyJsonBytes(body).equals(Buffer.from(JSON.stringify(body))));
      }),
      { numRuns: 1000 },
    );
  });

  test('a kept value is frozen, and a string that looks like a placeholder is only a string', () => {
    const tools = keepJsonBytes([{ name: 'Read', parameters: { type: 'object' } }]);
    assert.ok(Object.isFrozen(tools) && Object.isFrozen(tools[0]) && Object.isFrozen(tools[0]!.parameters));
    const body = { before: 'agentab-kept-json:', tools, after: '"agentab-kept-json:0"' };
    assert.ok(stringifyJsonBytes(body).equals(Buffer.from(JSON.stringify(body))));
  });
});
