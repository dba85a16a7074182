/**
 * stringifyJsonBytes must give exactly the bytes of Buffer.from(JSON.stringify(value)), also
 * when some top-level values are kept as bytes (keepJsonBytes).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keepJsonBytes, parseJsonBytes, stringifyJsonBytes } from '../../src/util/json-bytes.ts';
import { claudeCodeRequest } from '../../bench/lib/claude-code-request.ts';

const chars = fc.constantFrom('a', 'é', 'Ã', '©', '✓', '—', '😀', '"', '\\', '\n', '\u0000', '\u2028', '\ud800', '\udc00', ' ');
const text = fc.string({ unit: chars, maxLength: 12 });
/** JSON values whose strings and keys are drawn from `strings`. */
const jsonValue = (strings: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, strings, fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 4 }),
    object: fc.dictionary(strings, tie('node'), { maxKeys: 4 }),
  })).node;
const value = jsonValue(text);

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

  test('kept elements of top-level arrays spliced in: the same bytes as JSON.stringify', () => {
    const container = fc.oneof(fc.array(value, { maxLength: 3 }), fc.dictionary(text, value, { maxKeys: 3 }));
    // Each element is kept (a resent message), plain, or a value with no JSON form (null inside an array).
    const element = fc.oneof(
      container.map((v) => ({ kept: true, v })),
      value.map((v) => ({ kept: false, v })),
      fc.constantFrom(undefined, () => 1).map((v) => ({ kept: false, v })),
    );
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 4 }), fc.array(fc.tuple(text, fc.array(element, { maxLength: 6 })), { maxLength: 3 }), fc.nat({ max: 3000 }), (plain, arrays, pad) => {
        const body: Record<string, unknown> = { pad: 'p'.repeat(pad), ...plain };
        for (const [k, elements] of arrays) body[k] = elements.map((e) => (e.kept ? keepJsonBytes(e.v as object) : e.v));
        assert.ok(stringifyJsonBytes(body).equals(Buffer.from(JSON.stringify(body))));
      }),
      { numRuns: 1000 },
    );
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

/** JSON.parse of the plain decode: the value, or the error's message. */
function plainParse(bytes: Buffer): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function fastParse(bytes: Buffer): { value?: unknown; error?: string } {
  try {
    return { value: parseJsonBytes(bytes) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('parseJsonBytes', () => {
  const wide = fc.constantFrom('a', 'é', '©', '✓', '—', '😀', '𝄞', '"', '\\', '\n', '\u2028', ' ', '\u00ff', '\u0800', '\uffff');
  const wideText = fc.string({ unit: wide, maxLength: 16 });
  const wideValue = jsonValue(wideText);

  test('the value of JSON.parse(bytes.toString()), for bodies above and below the size the escaping starts at', () => {
    fc.assert(
      fc.property(wideValue, fc.nat({ max: 9000 }), fc.boolean(), (v, pad, spaced) => {
        const text = JSON.stringify({ pad: 'p'.repeat(pad), v }, null, spaced ? 1 : undefined);
        const bytes = Buffer.from(text);
        assert.deepEqual(fastParse(bytes), plainParse(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  test('broken bodies: the same value or the same error (bytes cut, swapped in, invalid UTF-8, a backslash before a non-ASCII character)', () => {
    const insert = fc.constantFrom(Buffer.from('\\'), Buffer.from('\\\\'), Buffer.from('\\é'), Buffer.from('\\\\é'), Buffer.from('\\✓'), Buffer.from('"'), Buffer.from('é'), Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x9c]), Buffer.from('\\u00'), Buffer.from('\u00a0'), Buffer.from('}'));
    fc.assert(
      fc.property(wideValue, fc.nat({ max: 6000 }), fc.array(fc.tuple(fc.nat(), insert), { minLength: 1, maxLength: 3 }), (v, pad, edits) => {
        let bytes = Buffer.from(JSON.stringify({ pad: 'p'.repeat(pad), v }));
        for (const [at, piece] of edits) {
          const i = at % (bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, i), piece, bytes.subarray(i)]);
        }
        assert.deepEqual(fastParse(bytes), plainParse(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  test('the Claude Code request', () => {
    const bytes = Buffer.from(JSON.stringify(claudeCodeRequest('alias', true).body));
    assert.ok(bytes.length > 100_000);
    assert.deepEqual(parseJsonBytes(bytes), JSON.parse(bytes.toString('utf8')));
  });
});
