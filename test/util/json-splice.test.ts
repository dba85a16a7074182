/**
 * spliceTopLevel must mean what parse → edit → stringify means, on bodies written every way
 * JSON allows (whitespace, escapes in keys and strings, duplicate keys, "model" nested or inside
 * strings, non-ASCII), and copy every member it does not edit byte for byte.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_SPLICE_DEPTH, spliceTopLevel, type TopLevelEdits } from '../../src/util/json-splice.ts';

const chars = fc.constantFrom('a', 'm', 'o', 'd', 'e', 'l', 'é', '✓', '😀', '"', '\\', '/', '\n', '\t', '\u0000', '\u2028', '{', '}', '[', ']', ':', ',', ' ');
const text = fc.string({ unit: chars, maxLength: 10 });
/** Longer than the scanner's inline loop: quotes found with indexOf, escaped ones skipped by their backslash runs. */
const longText = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\\"', '\\\\"', 'é'), minLength: 20, maxLength: 80 });
/** Keys the edits touch appear often, at the top level and nested. */
const key = fc.oneof(fc.constantFrom('model', 'stream_options', 'stream', 'messages', 'metadata', 'model"', ''), text).filter((k) => k !== '__proto__');

type Json = null | boolean | number | string | Json[] | { pairs: [string, Json][] };

/** Objects as key/value pairs, so a body can hold duplicate keys. */
const json: fc.Arbitrary<Json> = fc.letrec<{ node: Json; array: Json[]; object: { pairs: [string, Json][] } }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    text,
    longText,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(12345678901234567890, 1e21, -0, 0.1),
    fc.boolean(),
    fc.constant(null),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.record({ pairs: fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }) }),
})).node;

/** A tiny deterministic source of formatting choices. */
function choices(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const WHITESPACE = ['', '', ' ', '\n', '\t', '\r\n  '];

/** Writes JSON text with random whitespace and random \uXXXX escapes in strings and keys. */
function render(value: Json, pick: () => number): string {
  const ws = () => WHITESPACE[Math.floor(pick() * WHITESPACE.length)]!;
  const str = (s: string) => {
    let out = '"';
    for (const codePoint of s) {
      const units = [...Array(codePoint.length).keys()].map((i) => codePoint.charCodeAt(i));
      out += pick() < 0.2 ? units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join('') : JSON.stringify(codePoint).slice(1, -1);
    }
    return out + '"';
  };
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => render(v, pick)).join(`${ws()},${ws()}`)}${ws()}]`;
  return `{${ws()}${value.pairs.map(([k, v]) => `${str(k)}${ws()}:${ws()}${render(v, pick)}`).join(`${ws()},${ws()}`)}${ws()}}`;
}

/** What the proxy did before splicing: parse, set/remove the keys, stringify. */
function parseEditStringify(text: string, edits: TopLevelEdits): unknown {
  const body = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...body };
  for (const k of edits.remove ?? []) delete out[k];
  for (const [k, v] of Object.entries(edits.set ?? {})) out[k] = v;
  return JSON.parse(JSON.stringify(out));
}

const edits: fc.Arbitrary<TopLevelEdits> = fc.record({
  set: fc.dictionary(key, fc.oneof(text, fc.constant(undefined), fc.record({ include_usage: fc.constant(true), x: text })), { maxKeys: 3 }),
  remove: fc.array(key, { maxLength: 2 }),
});

describe('spliceTopLevel', () => {
  test('parsing the spliced bytes gives what parse → edit → stringify gives (generated bodies, formatting, duplicates, escapes)', () => {
    fc.assert(
      fc.property(fc.record({ pairs: fc.array(fc.tuple(key, json), { maxLength: 8 }) }), edits, fc.integer(), (body, e, seed) => {
        const source = render(body, choices(seed));
        const spliced = spliceTopLevel(Buffer.from(source), e);
        assert.ok(spliced, `declined ${source}`);
        assert.deepStrictEqual(JSON.parse(spliced.toString('utf8')), parseEditStringify(source, e));
      }),
      { numRuns: 3000 },
    );
  });

  test('only the top-level model changes: nested "model" keys, "model" inside strings and every other byte stay', () => {
    const source =
      ' {\n "messages" : [ {"role":"user","content":"say \\"model\\":\\"x\\" {"}, {"model":"nested"} ],\n' +
      '  "metadata":{"model":"deep","n":12345678901234567890,"f":1.50e+3},  "model" :\t"alias" , "tail":"\\u00e9✓"\n} ';
    const spliced = spliceTopLevel(Buffer.from(source), { set: { model: 'upstream-1' } });
    assert.equal(
      spliced?.toString('utf8'),
      ' {\n "messages" : [ {"role":"user","content":"say \\"model\\":\\"x\\" {"}, {"model":"nested"} ],\n' +
        '  "metadata":{"model":"deep","n":12345678901234567890,"f":1.50e+3},  "model" :\t"upstream-1" , "tail":"\\u00e9✓"\n} ',
    );
  });

  test('an escaped key is the key it decodes to, and every duplicate is replaced', () => {
    const source = '{"mod\\u0065l":"a","x":1,"model":"b"}';
    const spliced = spliceTopLevel(Buffer.from(source), { set: { model: 'up' } });
    assert.equal(spliced?.toString('utf8'), '{"mod\\u0065l":"up","x":1,"model":"up"}');
  });

  test('keys are appended when missing and removed with their separators', () => {
    assert.equal(spliceTopLevel(Buffer.from('{}'), { set: { model: 'm' } })?.toString(), '{"model":"m"}');
    assert.equal(spliceTopLevel(Buffer.from('{"a":1}'), { set: { stream_options: { include_usage: true } } })?.toString(), '{"a":1,"stream_options":{"include_usage":true}}');
    assert.equal(spliceTopLevel(Buffer.from('{"a":1,"b":2,"a":3}'), { remove: ['a'] })?.toString(), '{"b":2}');
    assert.equal(spliceTopLevel(Buffer.from('{ "a":1 , "b":2 , "c":3 }'), { remove: ['b'] })?.toString(), '{ "a":1 , "c":3 }');
    assert.equal(spliceTopLevel(Buffer.from('{ "a":1 , "b":2 }'), { remove: ['a'], set: { c: true } })?.toString(), '{ "b":2,"c":true }');
    assert.equal(spliceTopLevel(Buffer.from('{ "a":1 , "a":2 }'), { remove: ['a'], set: { c: true } })?.toString(), '{ "c":true}');
    assert.equal(spliceTopLevel(Buffer.from('{"a":1}'), { remove: ['a'] })?.toString(), '{}');
  });

  test('declines what it must not splice: invalid UTF-8, not an object, trailing bytes, nesting deeper than its limit', () => {
    const invalidUtf8 = Buffer.concat([Buffer.from('{"model":"a","t":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    assert.equal(spliceTopLevel(invalidUtf8, { set: { model: 'b' } }), null);
    assert.equal(spliceTopLevel(Buffer.from('[{"model":"a"}]'), { set: { model: 'b' } }), null);
    assert.equal(spliceTopLevel(Buffer.from('"model"'), { set: { model: 'b' } }), null);
    assert.equal(spliceTopLevel(Buffer.from('{"model":"a"} {}'), { set: { model: 'b' } }), null);
    assert.equal(spliceTopLevel(Buffer.from('{"model":"a",}'), { set: { model: 'b' } }), null);
    const nested = (levels: number) => `{"model":"a","x":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    assert.ok(spliceTopLevel(Buffer.from(nested(MAX_SPLICE_DEPTH - 1)), { set: { model: 'b' } }));
    assert.equal(spliceTopLevel(Buffer.from(nested(MAX_SPLICE_DEPTH)), { set: { model: 'b' } }), null);
  });

  test('a view into a larger buffer is read within its bounds', () => {
    const whole = Buffer.from('xx{"model":"a"}yy');
    assert.equal(spliceTopLevel(whole.subarray(2, 15), { set: { model: 'b' } })?.toString(), '{"model":"b"}');
  });
});
