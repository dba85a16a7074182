/**
 * SegmentCache.parse must give what JSON.parse gives — the same value with the same key order —
 * for every body it takes apart, reusing segments kept from earlier bodies, and must hand every
 * body it cannot take apart (invalid JSON, not an object, a `__proto__` key) back to the plain
 * parse. Bodies are generated as sequences that share parts, as an agent's requests do.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isReusedJson, SegmentCache } from '../../src/util/json-segments.ts';
import { parseJsonBytes } from '../../src/util/json-bytes.ts';
import { claudeCodeRequest } from '../../bench/lib/claude-code-request.ts';

const decode = (segment: Buffer): unknown => JSON.parse(segment.toString('utf8'));
const chars = fc.constantFrom('a', 'b', 'é', '✓', '😀', '"', '\\', '\n', '{', '}', '[', ']', ',', ':', ' ', '\u2028');
const text = fc.string({ unit: chars, maxLength: 10 });
const key = fc.oneof(text, fc.constantFrom('messages', 'tools', 'system', 'model', 'stream'));
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
})).node;
/** A long string, so that elements reach the size at which segments are kept. */
const padded = fc.tuple(value, fc.nat({ max: 300 })).map(([v, pad]) => ({ pad: 'p'.repeat(pad), v }));
const element = fc.oneof(padded, value);
/** A top-level body: keys with arrays of elements (messages, tools) and other values. */
const body = fc.dictionary(key, fc.oneof(fc.array(element, { maxLength: 6 }), element), { maxKeys: 6 });
/** How a body is written: compact, pretty, or with odd whitespace. */
const layout = fc.constantFrom<(v: unknown) => string>(
  (v) => JSON.stringify(v),
  (v) => JSON.stringify(v, null, 2),
  (v) => ` \n\t${JSON.stringify(v, null, '\t')}\r\n `,
);

/** JSON.parse's value, or the error it throws. */
function plain(bytes: Buffer): { value: unknown } | { error: true } {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return { error: true };
  }
}

/** The same value, with the same key order everywhere (JSON.stringify shows both). */
function assertSameJson(actual: unknown, expected: unknown): void {
  assert.deepEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

describe('SegmentCache.parse', () => {
  test('equals JSON.parse on bodies that share parts with earlier ones, in any layout', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(body, layout), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), (bodies, shares) => {
        const cache = new SegmentCache(64 * 1024, 2);
        // Later bodies take some of an earlier body's members, as a resent conversation does.
        for (let b = 1; b < bodies.length; b++) {
          const earlier = bodies[(shares[b] ?? 0) % b]![0];
          for (const [k, v] of Object.entries(earlier)) if ((shares[b] ?? 0) % 2 === 0) bodies[b]![0][k] = v;
        }
        for (const [v, write] of bodies) {
          const bytes = Buffer.from(write(v));
          const expected = plain(bytes);
          assert.ok('value' in expected);
          const got = cache.parse(bytes, decode);
          if (Object.keys(v).includes('__proto__')) assert.equal(got, undefined);
          else assertSameJson(got, expected.value);
        }
      }),
      { numRuns: 1500 },
    );
  });

  test('a broken body (a byte changed, cut short, or a byte added) is refused or parses to what JSON.parse gives', () => {
    const bytesOf = fc.tuple(body, layout).map(([v, write]) => Buffer.from(write(v)));
    fc.assert(
      fc.property(bytesOf, fc.nat(), fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', ' ', 'x', '1', '\u00e9'), fc.constantFrom('set', 'cut', 'insert'), (bytes, at, ch, how) => {
        const cache = new SegmentCache(64 * 1024, 2);
        assert.notEqual(cache.parse(bytes, decode), undefined); // the intact body first: its parts are kept
        const i = at % (bytes.length + 1);
        const c = Buffer.from(ch);
        const broken =
          how === 'cut' ? bytes.subarray(0, i) : how === 'insert' ? Buffer.concat([bytes.subarray(0, i), c, bytes.subarray(i)]) : Buffer.concat([bytes.subarray(0, i), c, bytes.subarray(i + 1)]);
        const expected = plain(broken);
        const got = cache.parse(broken, decode);
        if ('error' in expected) assert.equal(got, undefined);
        else if (got !== undefined) assertSameJson(got, expected.value);
        else assert.ok(typeof expected.value !== 'object' || expected.value === null || Array.isArray(expected.value) || broken.includes('__proto__'));
      }),
      { numRuns: 3000 },
    );
  });

  test('a resent segment is the very same frozen value; the top-level object and arrays are new', () => {
    const cache = new SegmentCache();
    const tools = [{ name: 'Read', description: 'Reads a file'.repeat(20) }];
    const first = cache.parse(Buffer.from(JSON.stringify({ model: 'a', tools, messages: [{ role: 'user', content: 'x'.repeat(200) }] })), decode)!;
    const second = cache.parse(Buffer.from(JSON.stringify({ model: 'b', tools, messages: [{ role: 'user', content: 'x'.repeat(200) }, { role: 'user', content: 'new' }] })), decode)!;
    assert.notEqual(first, second);
    assert.notEqual(first.tools, second.tools);
    assert.equal((first.tools as unknown[])[0], (second.tools as unknown[])[0]);
    assert.equal((first.messages as unknown[])[0], (second.messages as unknown[])[0]);
    assert.ok(isReusedJson((second.tools as object[])[0]!));
    assert.ok(Object.isFrozen((second.tools as object[])[0]));
    assert.ok(!Object.isFrozen(second) && !Object.isFrozen(second.messages));
    // A small segment is parsed afresh each time and not shared.
    assert.ok(!isReusedJson((second.messages as object[])[1]!));
    assert.throws(() => {
      ((second.tools as Array<Record<string, unknown>>)[0]!).name = 'changed';
    }, TypeError);
  });

  test('kept bytes stay within the bound, the least recently used dropped first', () => {
    const cache = new SegmentCache(10_000, 8);
    const element = (i: number) => ({ id: i, text: 'y'.repeat(900) });
    const firstBody = Buffer.from(JSON.stringify({ messages: [element(0)] }));
    const keptFirst = (cache.parse(firstBody, decode)!.messages as object[])[0]!;
    for (let i = 1; i < 50; i++) {
      cache.parse(Buffer.from(JSON.stringify({ messages: [element(i)], other: [element(-i)] })), decode);
      assert.ok(cache.size <= 10_000, `${cache.size} bytes kept`);
    }
    // The first body's element was dropped long ago: parsed again, a new object.
    assert.notEqual((cache.parse(firstBody, decode)!.messages as object[])[0], keptFirst);
  });

  test('at most `ways` variants per place; more sessions than that only parse afresh', () => {
    const cache = new SegmentCache(1 << 20, 2);
    const bodyOf = (session: number) => Buffer.from(JSON.stringify({ messages: [{ session, text: 'z'.repeat(200) }] }));
    const a = (cache.parse(bodyOf(1), decode)!.messages as object[])[0];
    cache.parse(bodyOf(2), decode);
    assert.equal((cache.parse(bodyOf(1), decode)!.messages as object[])[0], a); // two ways: still kept
    cache.parse(bodyOf(3), decode);
    cache.parse(bodyOf(2), decode);
    assert.notEqual((cache.parse(bodyOf(1), decode)!.messages as object[])[0], a); // pushed out by 3 and 2
  });
});

describe('parseJsonBytes on Claude Code requests', () => {
  test('a request, the same request again and the next turn all parse to what JSON.parse gives', () => {
    const request = claudeCodeRequest('to-openai', true).body;
    const messages = request.messages as unknown[];
    const next = { ...request, messages: [...messages, { role: 'assistant', content: [{ type: 'text', text: 'Done — all ✓.' }] }] };
    for (const v of [request, request, next, request]) {
      const bytes = Buffer.from(JSON.stringify(v));
      assertSameJson(parseJsonBytes(bytes), JSON.parse(bytes.toString('utf8')));
    }
  });
});
