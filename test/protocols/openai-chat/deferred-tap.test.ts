/**
 * The pass-through OpenAI tap that reads its frames after forwarding them (`deferReading`, the
 * pipeline's mode) against the full decoder run over the whole text: the same bytes forwarded
 * (the usage-only chunk left out exactly when the client did not ask for usage) and the same
 * callbacks, in the same order, for generated streams cut at every split point; and the byte
 * pre-check that lets a frame go out unparsed, `mayHoldEmptyArray`, never clears a payload that
 * parses to a usage-only chunk.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StreamPart, Usage } from '../../../src/canonical/form.ts';
import { createSseReader } from '../../../src/proxy/protocols/common/sse.ts';
import { OpenAIStreamDecoder } from '../../../src/proxy/protocols/openai-chat/decode-stream.ts';
import { mayHoldEmptyArray, openAISseTapCore } from '../../../src/proxy/protocols/openai-chat/tap.ts';

const enc = new TextEncoder();

/** The usage-only chunk, by the definition the tap drops on: `choices` an empty array, `usage` set. */
function isUsageOnly(data: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return false;
  }
  if (json === null || typeof json !== 'object') return false;
  const { choices, usage } = json as { choices?: unknown; usage?: unknown };
  return Array.isArray(choices) && choices.length === 0 && usage != null;
}

type Report = [kind: 'first', at: number] | [kind: 'usage', u: Usage] | [kind: 'finish', reason: string, tools: number] | [kind: 'error', code: string];

/** The reference: the whole text through the SSE reader and the stream decoder, one event at a time. */
function reference(text: string, hide: boolean, contentAt: (data: string) => number): { out: string; reports: Report[] } {
  const reports: Report[] = [];
  let first = false;
  let data = '';
  const decoder = new OpenAIStreamDecoder((p: StreamPart) => {
    if ((p.type === 'text-delta' || p.type === 'reasoning-delta' || p.type === 'tool-call-start') && !first) {
      first = true;
      reports.push(['first', contentAt(data)]);
    }
    if (p.type === 'finish') reports.push(['finish', p.reason, decoder.toolCalls]);
    if (p.type === 'error') reports.push(['error', p.error.code]);
  });
  let usage: Usage | undefined;
  const reader = createSseReader((e) => {
    data = e.data;
    decoder.data(e.data);
    if (decoder.latestUsage && decoder.latestUsage !== usage) reports.push(['usage', (usage = decoder.latestUsage)]);
  });
  reader.feed(enc.encode(text));
  reader.end();
  decoder.end();
  return { out: '', reports };
}

/** The tap as the pipeline drives it, over `bytes` cut at `cuts`; the clock is the push's number. */
function runDeferred(bytes: Uint8Array, cuts: number[], hide: boolean): { out: string; reports: Report[]; pushOf: number[] } {
  const reports: Report[] = [];
  let push = 0;
  const tap = openAISseTapCore({
    hideUsageChunk: hide,
    deferReading: true,
    now: () => push,
    onUsage: (u) => reports.push(['usage', u]),
    onFirstContent: (at) => reports.push(['first', at]),
    onFinish: (r, n) => reports.push(['finish', r, n]),
    onError: (e) => reports.push(['error', e.code]),
  });
  const parts: Uint8Array[] = [];
  const pushOf: number[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (cut <= from || cut > bytes.length) continue;
    push++;
    for (let i = from; i < cut; i++) pushOf[i] = push;
    const out = tap.push(bytes.slice(from, cut));
    parts.push(typeof out === 'string' ? enc.encode(out) : out);
    from = cut;
  }
  push++;
  const rest = tap.end();
  parts.push(typeof rest === 'string' ? enc.encode(rest) : rest);
  tap.settle?.();
  return { out: Buffer.concat(parts).toString('utf8'), reports, pushOf };
}

const piece = fc.constantFrom('a', 'é', '✓', '😀', '[]', '[ ]', ']', '[', '"', '\\', '{}', ' ', 'usage', 'choices');
const text = fc.array(piece, { maxLength: 5 }).map((a) => a.join(''));
const usage = fc.record({ prompt_tokens: fc.nat(5000), completion_tokens: fc.nat(500), total_tokens: fc.nat(6000) });
const ws = fc.constantFrom('', ' ', '\t', '  ');
/** One chunk as an upstream serialises it (JSON.stringify, with whitespace put back around the arrays some servers leave). */
const chunkJson = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(text, fc.boolean()).map(([t, reasoning]) => ({ id: 'c', model: 'm', choices: [{ index: 0, delta: reasoning ? { reasoning_content: t } : { content: t }, finish_reason: null }], usage: null })) },
  { weight: 1, arbitrary: fc.constant({ id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(2), text).map(([index, args]) => ({
      choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: 'Read', arguments: args } }] } }],
    })),
  },
  { weight: 2, arbitrary: fc.constantFrom('stop', 'tool_calls', 'length').map((r) => ({ choices: [{ index: 0, delta: {}, finish_reason: r }] })) },
  { weight: 3, arbitrary: usage.map((u) => ({ id: 'c', choices: [], usage: u })) },
  { weight: 1, arbitrary: fc.constant({ id: 'c', choices: [], usage: null }) },
  { weight: 1, arbitrary: usage.map((u) => ({ choices: [{ index: 0, delta: { content: 'x' }, logprobs: { content: [] } }], usage: u })) },
  { weight: 1, arbitrary: fc.constant({ error: { message: 'overloaded', type: 'server_error' } }) },
);
const payload = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(chunkJson, ws, ws).map(([c, a, b]) => JSON.stringify(c).replaceAll('[]', `[${a}]`).replaceAll('":[', `":${b}[`)) },
  { weight: 1, arbitrary: fc.constant('[DONE]') },
  { weight: 1, arbitrary: fc.constantFrom('not json', '{"choices":[', '[]', '{"usage":{}, "choices":[ ]}') },
);
const frame = fc.oneof(
  { weight: 10, arbitrary: payload.map((p) => `data: ${p}`) },
  { weight: 1, arbitrary: payload.map((p) => `data:${p}`) },
  { weight: 1, arbitrary: payload.map((p) => `event: chunk\ndata: ${p}`) },
  { weight: 1, arbitrary: fc.constant(': keep-alive') },
);
const stream = fc.tuple(fc.array(frame, { maxLength: 8 }), fc.constantFrom('', '\n\n', 'data: [DONE]\n\n')).map(([fs, tail]) => fs.map((f) => `${f}\n\n`).join('') + tail);

/** What the tap forwards of a stream of LF-terminated frames: every frame but the usage-only ones, when hidden. */
function expectedBytes(s: string, hide: boolean): string {
  const frames = s.split('\n\n').slice(0, -1);
  return frames
    .filter((f) => {
      if (!hide) return true;
      const data = f.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
      return !(data.length > 0 && isUsageOnly(data.join('\n')));
    })
    .map((f) => `${f}\n\n`)
    .join('');
}

/** The push that brought the end of the frame whose data is `data` (the reference's clock for first content). */
function arrivalOf(s: string, pushOf: number[], lastPush: number): (data: string) => number {
  const bytes = enc.encode(s);
  let searchFrom = 0;
  return (data) => {
    const at = s.indexOf(data, searchFrom);
    const end = s.indexOf('\n\n', at);
    searchFrom = end === -1 ? s.length : end;
    if (end === -1) return lastPush;
    const byteEnd = enc.encode(s.slice(0, end + 2)).length - 1;
    return byteEnd < bytes.length ? pushOf[byteEnd]! : lastPush;
  };
}

describe('openAISseTapCore with deferReading', () => {
  test('the same bytes and reports as the full decoder over the whole text, for a stream cut at every split point', () => {
    fc.assert(
      fc.property(stream, fc.boolean(), (s, hide) => {
        const bytes = enc.encode(s);
        for (let cut = 0; cut <= bytes.length; cut++) {
          const got = runDeferred(bytes, [cut], hide);
          assert.equal(got.out, expectedBytes(s, hide), `cut at ${cut}`);
          const want = reference(s, hide, arrivalOf(s, got.pushOf, 2));
          assert.deepEqual(got.reports, want.reports, `cut at ${cut}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('the same for streams cut into many pieces, and one byte per push', () => {
    fc.assert(
      fc.property(
        stream.chain((s) => fc.tuple(fc.constant(s), fc.array(fc.integer({ min: 0, max: enc.encode(s).length }), { maxLength: 12 }), fc.boolean())),
        ([s, cuts, hide]) => {
          const bytes = enc.encode(s);
          for (const c of [cuts, Array.from(bytes, (_, i) => i)]) {
            const got = runDeferred(bytes, c, hide);
            assert.equal(got.out, expectedBytes(s, hide));
            const lastPush = new Set(c.filter((x) => x > 0 && x < bytes.length)).size + 2;
            assert.deepEqual(got.reports, reference(s, hide, arrivalOf(s, got.pushOf, lastPush)).reports);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('reports wait for the next push or settle(); first content carries its chunk\'s arrival', () => {
    const reports: string[] = [];
    let clock = 5;
    const tap = openAISseTapCore({
      hideUsageChunk: true,
      deferReading: true,
      now: () => clock,
      onUsage: () => reports.push('usage'),
      onFirstContent: (at) => reports.push(`first@${at}`),
      onFinish: (r) => reports.push(`finish:${r}`),
      onError: (e) => reports.push(`error:${e.code}`),
    });
    const content = 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n';
    assert.equal(Buffer.from(tap.push(enc.encode(content)) as Uint8Array).toString(), content);
    assert.deepEqual(reports, []);
    clock = 9;
    tap.push(enc.encode('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n'));
    assert.deepEqual(reports, ['first@5']);
    clock = 12;
    tap.push(enc.encode('data: [DONE]\n\n'));
    assert.deepEqual(reports, ['first@5', 'usage']);
    tap.end();
    tap.settle?.();
    assert.deepEqual(reports, ['first@5', 'usage', 'finish:stop']);
  });
});

describe('mayHoldEmptyArray', () => {
  test('false only for payloads that are not a usage-only chunk', () => {
    fc.assert(
      fc.property(payload, (p) => {
        // The frame tap's view: the payload's bytes read as Latin-1 (non-ASCII payloads included).
        const text = Buffer.from(`xx${p}yy`).toString('latin1');
        if (!mayHoldEmptyArray(text, 2, text.length - 2)) assert.equal(isUsageOnly(p), false, p);
      }),
      { numRuns: 5000 },
    );
  });

  test('finds the empty array with any JSON whitespace inside, and only within its range', () => {
    for (const inner of ['', ' ', '\t', '\n', '\r\n', ' \t \n ']) assert.equal(mayHoldEmptyArray(`{"choices":[${inner}]}`, 0, 14 + inner.length), true);
    assert.equal(mayHoldEmptyArray('{"choices":[{"index":0}]}', 0, 25), false);
    assert.equal(mayHoldEmptyArray('{"a":[1]}[]', 0, 9), false);
    assert.equal(mayHoldEmptyArray('[]{"a":[1]}', 2, 11), false);
    // A bracket pair cut by the range's end, whitespace included, is not in it.
    assert.equal(mayHoldEmptyArray('{"a":[]', 0, 6), false);
    assert.equal(mayHoldEmptyArray('{"a":[  ]', 0, 8), false);
  });
});
