/**
 * createSseFrameTap (the pass-through taps' hand-written frame reader) against
 * eventsource-parser: the same events for any stream cut anywhere, and the upstream's own
 * bytes forwarded.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSseFrameTap, createSseReader } from '../../../src/proxy/protocols/common/sse.ts';

const enc = new TextEncoder();

/** Events the reference reader (eventsource-parser) sees in the whole text. */
function referenceData(text: string): string[] {
  const out: string[] = [];
  const reader = createSseReader((e) => out.push(e.data));
  reader.feed(enc.encode(text));
  reader.end();
  return out;
}

/** The tap over `bytes` cut at `cuts`: the data it inspected and the bytes it forwarded. */
function runTap(bytes: Uint8Array, cuts: number[], drop: (data: string) => boolean = () => false): { data: string[]; out: string } {
  const data: string[] = [];
  const tap = createSseFrameTap((d) => (data.push(d), drop(d)));
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (cut <= from || cut > bytes.length) continue;
    parts.push(tap.push(bytes.slice(from, cut)));
    from = cut;
  }
  parts.push(tap.end());
  return { data, out: Buffer.concat(parts).toString('utf8') };
}

const text = fc.string({ unit: fc.constantFrom('a', 'é', '✓', ':', ' ', '{', '"', 'data', '😀'), maxLength: 8 });
const line = fc.oneof(
  { weight: 6, arbitrary: text.map((t) => `data: ${t}`) },
  { weight: 2, arbitrary: text.map((t) => `data:${t}`) },
  { weight: 1, arbitrary: text.map((t) => `: ${t}`) },
  { weight: 1, arbitrary: text.map((t) => `event: ${t}`) },
  { weight: 1, arbitrary: fc.constant('id: 7') },
  { weight: 1, arbitrary: fc.constant('data') },
);
const frame = fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('\n'));
const stream = fc
  .tuple(fc.array(frame, { maxLength: 6 }), fc.constantFrom('\n\n', '\n\n\n'), fc.constantFrom('', '\n', '\n\n'))
  .map(([frames, sep, tail]) => (frames.length ? frames.join(sep) + tail : tail));
const cutsOf = (bytes: Uint8Array) => fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 });

describe('createSseFrameTap', () => {
  test('sees the same events as eventsource-parser, however the bytes are cut', () => {
    fc.assert(
      fc.property(stream.chain((s) => fc.tuple(fc.constant(s), cutsOf(enc.encode(s)))), ([s, cuts]) => {
        assert.deepEqual(runTap(enc.encode(s), cuts).data, referenceData(s));
      }),
      { numRuns: 2000 },
    );
  });

  test('forwards the upstream bytes of complete frames, the same however they are cut', () => {
    fc.assert(
      fc.property(stream.chain((s) => fc.tuple(fc.constant(s), cutsOf(enc.encode(s)))), ([s, cuts]) => {
        const whole = runTap(enc.encode(s), []).out;
        assert.equal(runTap(enc.encode(s), cuts).out, whole);
        // Every frame that ended with its blank line is forwarded byte for byte.
        if (s.endsWith('\n\n')) assert.equal(whole, s);
      }),
      { numRuns: 2000 },
    );
  });

  test('CR line ends: the same events as eventsource-parser', () => {
    fc.assert(
      fc.property(stream.chain((s) => fc.tuple(fc.constant(s.replaceAll('\n', '\r\n')), cutsOf(enc.encode(s)))), ([s, cuts]) => {
        assert.deepEqual(runTap(enc.encode(s), cuts).data, referenceData(s));
      }),
      { numRuns: 1000 },
    );
  });

  test('a dropped frame leaves out exactly its bytes and its blank line', () => {
    const input = 'data: {"a":1}\n\ndata: DROP\n\n: keep-alive\n\ndata: [DONE]\n\n';
    const bytes = enc.encode(input);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { out } = runTap(bytes, [cut], (d) => d === 'DROP');
      assert.equal(out, 'data: {"a":1}\n\n: keep-alive\n\ndata: [DONE]\n\n');
    }
  });

  test('a last frame without its blank line is inspected and terminated', () => {
    const { data, out } = runTap(enc.encode('data: {"a":1}\n\ndata: [DONE]'), [3, 20]);
    assert.deepEqual(data, ['{"a":1}', '[DONE]']);
    assert.equal(out, 'data: {"a":1}\n\ndata: [DONE]\n\n');
  });

  test('unchanged chunks are forwarded without a copy', () => {
    const chunk = Buffer.from('data: {"a":1}\n\ndata: {"b":2}\n\n');
    const tap = createSseFrameTap(() => false);
    const out = tap.push(chunk);
    assert.equal(out.buffer, chunk.buffer);
    assert.equal(out.byteOffset, chunk.byteOffset);
  });
});
