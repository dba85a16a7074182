/**
 * Tool definitions and earlier messages an agent resends on every call are decoded, translated,
 * serialised and counted once (src/canonical/repeats.ts). What must hold: a repeated request translates to the
 * very bytes a fresh translation gives, for every upstream dialect; tools that differ in
 * anything (a value, a key's order) are not taken for the kept ones; the kept values are frozen;
 * token counts are the same; tools that warn keep warning on every request.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { claudeCodeRequest, turnMessages } from '../../bench/lib/claude-code-request.ts';
import { decodeAnthropicRequest } from '../../src/proxy/protocols/anthropic-messages/decode-request.ts';
import { encodeOpenAIRequest } from '../../src/proxy/protocols/openai-chat/encode-request.ts';
import { encodeGeminiRequest } from '../../src/proxy/protocols/gemini/encode-request.ts';
import { encodeAnthropicRequest } from '../../src/proxy/protocols/anthropic-messages/encode-request.ts';
import { countRequestTokens, countTextTokens, toolJson } from '../../src/canonical/tokens.ts';
import { isShared, RepeatCache } from '../../src/canonical/repeats.ts';
import { parseJsonBytes, stringifyJsonBytes } from '../../src/util/json-bytes.ts';
import { sameJson } from '../../src/util/json-values.ts';
import type { CanonicalRequest } from '../../src/canonical/form.ts';

/** A fresh parse of the Claude Code request, as the proxy gets it from every call. */
const text = JSON.stringify(claudeCodeRequest('alias', true).body);
const fresh = (): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

const encoders: Array<[string, (req: CanonicalRequest) => unknown]> = [
  ['openai', (req) => encodeOpenAIRequest(req, 'gpt-4o')],
  ['gemini', (req) => encodeGeminiRequest(req)],
  ['anthropic', (req) => encodeAnthropicRequest(req, 'claude-x')],
];

describe('repeated tool definitions', () => {
  test('a repeated request gets the same frozen tools, and every encoder gives the bytes of a plain JSON.stringify', () => {
    const first = decodeAnthropicRequest(fresh());
    const again = decodeAnthropicRequest(fresh());
    assert.equal(again.tools, first.tools, 'the second request did not reuse the kept tools');
    assert.ok(isShared(again.tools) && Object.isFrozen(again.tools) && Object.isFrozen(again.tools[0]!.parameters));
    assert.equal(again.tools.length, 24);
    for (const [name, encode] of encoders) {
      const body = encode(again);
      // JSON.stringify knows nothing of the kept bytes: it serialises the objects themselves.
      assert.ok(stringifyJsonBytes(body).equals(Buffer.from(JSON.stringify(body))), `${name}: kept bytes differ from the objects`);
      assert.deepEqual(JSON.parse(JSON.stringify(body)), JSON.parse(JSON.stringify(encode({ ...again, tools: structuredClone([...again.tools]) }))), `${name}: unlike a fresh encode`);
    }
  });

  test('token counts of kept tools are those of a fresh copy', () => {
    const req = decodeAnthropicRequest(fresh());
    assert.ok(isShared(req.tools));
    const copy = structuredClone([...req.tools]);
    assert.ok(!isShared(copy));
    assert.equal(countRequestTokens(req), countRequestTokens({ ...req, tools: copy }));
    let byHand = 0;
    for (const t of copy) byHand += countTextTokens(toolJson(t));
    assert.ok(byHand > 10_000, `Claude Code's tools are ≈15k tokens, counted ${byHand}`);
  });

  test('tools that differ in a value or in the order of keys are decoded afresh', () => {
    const base = decodeAnthropicRequest(fresh()).tools;
    const changed = fresh();
    const tools = changed.tools as Array<Record<string, unknown>>;
    tools[5] = { ...tools[5], description: `${String(tools[5]!.description)} ` };
    const decoded = decodeAnthropicRequest(changed).tools;
    assert.notEqual(decoded, base);
    assert.equal(decoded[5]!.description, `${String(base[5]!.description)} `);
    const reordered = fresh();
    const t0 = (reordered.tools as Array<Record<string, unknown>>)[0]!;
    const { name, ...rest } = t0;
    (reordered.tools as Array<Record<string, unknown>>)[0] = { ...rest, name };
    const decodedReordered = decodeAnthropicRequest(reordered).tools;
    assert.notEqual(decodedReordered, base, 'a tool with its keys in another order serialises differently');
  });

  test('tools that warn (a server tool dropped) warn on every request', () => {
    const body = () => ({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'web_search_20250305', name: 'web_search' }, { name: 'Read', input_schema: { type: 'object' } }],
    });
    for (let i = 0; i < 3; i++) {
      const warnings: string[] = [];
      const req = decodeAnthropicRequest(body(), { warn: (m) => warnings.push(m) });
      assert.equal(warnings.length, 1, `request ${i}`);
      assert.deepEqual(req.tools.map((t) => t.name), ['Read']);
    }
  });

  test('a kept value cannot be changed by one call for the next', () => {
    const req = decodeAnthropicRequest(fresh());
    assert.throws(() => {
      (req.tools as unknown as unknown[]).push({ name: 'x' });
    }, TypeError);
    assert.throws(() => {
      (req.tools[0]!.parameters as Record<string, unknown>).type = 'array';
    }, TypeError);
  });
});

/** The body's messages as the proxy parses them (util/json-segments.ts reuses what a recent body sent). */
const parsed = (body: Record<string, unknown>): Record<string, unknown> => parseJsonBytes(Buffer.from(JSON.stringify(body))) as Record<string, unknown>;
/** The same body parsed the plain way: nothing in it is shared, so nothing kept is used. */
const plain = (body: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(body)) as Record<string, unknown>;

describe('repeated messages (a conversation resent on every call)', () => {
  test('each turn of a session translates to the bytes and token count of a plain decode, and earlier turns are decoded once', () => {
    const base = claudeCodeRequest('alias', true).body;
    const history = base.messages as unknown[];
    let previous: CanonicalRequest | undefined;
    for (let turn = 1; turn <= 4; turn++) {
      // Claude Code's pattern: the same history, the newest turn carrying the cache mark, the one before no longer.
      const turns = Array.from({ length: turn }, (_, i) => turnMessages(5000 + i, i === turn - 1)).flat();
      const body = { ...base, messages: [...history, ...turns] };
      const req = decodeAnthropicRequest(parsed(body));
      const reference = decodeAnthropicRequest(plain(body));
      assert.deepEqual(req.messages, reference.messages);
      assert.equal(countRequestTokens(req), countRequestTokens(reference), `turn ${turn}: token count`);
      for (const [name, encode] of encoders) {
        const bytes = stringifyJsonBytes(encode(req));
        assert.ok(bytes.equals(Buffer.from(JSON.stringify(encode(reference)))), `turn ${turn}, ${name}: bytes differ from a plain translation`);
      }
      if (previous) {
        // The history's messages are the very same decoded (frozen, shared) objects as the previous request's.
        assert.equal(req.messages[3], previous.messages[3]);
        assert.ok(isShared(req.messages[3]!) && Object.isFrozen(req.messages[3]!.content));
      }
      previous = req;
    }
  });

  test('a resent tool result takes the name of the tool call it follows now, not the one it followed before', () => {
    const pad = 'x'.repeat(20_000);
    const body = (tool: string) => ({
      model: 'm',
      max_tokens: 10,
      system: pad,
      messages: [
        { role: 'user', content: `Please look at the file. ${'Context. '.repeat(20)}` },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_same', name: tool, input: { file_path: `/a/${'b'.repeat(150)}` } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_same', content: `the output ${'line\n'.repeat(40)}` }] },
      ],
    });
    for (const tool of ['Read', 'Grep', 'Read']) {
      const req = decodeAnthropicRequest(parsed(body(tool)));
      const result = req.messages[2]!.content[0] as { name?: string };
      assert.equal(result.name, tool);
      const gemini = JSON.stringify(encodeGeminiRequest(req));
      assert.ok(gemini.includes(`"functionResponse":{"name":"${tool}"`), gemini.slice(-300));
    }
  });

  test('a system turn after a resent user turn is merged into a copy, and encoders merge kept turns into copies', () => {
    const big = `${'Question. '.repeat(30)}`;
    const body = {
      model: 'm',
      max_tokens: 10,
      system: 'y'.repeat(20_000),
      messages: [
        { role: 'user', content: [{ type: 'text', text: big }] },
        { role: 'system', content: 'a reminder' },
        { role: 'assistant', content: [{ type: 'text', text: `Answer. ${'More. '.repeat(30)}` }, { type: 'tool_use', id: 't1', name: 'Read', input: {} }] },
        // A tool result and text in one user turn: a tool turn and a user turn, merged again by Gemini and Anthropic.
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: `out ${'put '.repeat(40)}` }, { type: 'text', text: `and ${'more '.repeat(40)}` }] },
      ],
    };
    for (let i = 0; i < 3; i++) {
      const req = decodeAnthropicRequest(parsed(body));
      const reference = decodeAnthropicRequest(plain(body));
      assert.deepEqual(req.messages, reference.messages);
      for (const [name, encode] of encoders) {
        assert.ok(stringifyJsonBytes(encode(req)).equals(Buffer.from(JSON.stringify(encode(reference)))), `request ${i}, ${name}`);
      }
    }
  });
});

describe('repeated system prompts and mid-conversation system turns', () => {
  // Bodies of 16 kB and more are parsed by segments (util/json-segments.ts): the first question makes this one that large.
  const reminder = `<reminder> ${'Keep the answer short. '.repeat(10)}`;
  const body = (o: { system?: unknown; reminder?: string; first?: string } = {}) => ({
    model: 'm',
    max_tokens: 10,
    system: o.system ?? [{ type: 'text', text: 'short header' }, { type: 'text', text: `You are a coding agent. ${'Rules. '.repeat(40)}`, cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: o.first ?? `First question. ${'Context. '.repeat(2000)}` }] },
      // Claude Code 2.1.197 sends one of these after its first user message on every call.
      { role: 'system', content: o.reminder ?? reminder },
      { role: 'assistant', content: [{ type: 'text', text: `Answer. ${'More. '.repeat(30)}` }] },
      { role: 'user', content: 'next' },
    ],
  });
  const bytesOf = (req: CanonicalRequest) => encoders.map(([name, encode]) => [name, stringifyJsonBytes(encode(req))] as const);

  test('a resent system prompt and merged system turn are the same shared objects, and translate to the bytes of a plain decode', () => {
    let previous: CanonicalRequest | undefined;
    for (let i = 0; i < 3; i++) {
      const req = decodeAnthropicRequest(parsed(body()));
      const reference = decodeAnthropicRequest(plain(body()));
      assert.deepEqual(req.messages, reference.messages);
      assert.deepEqual(req.system, reference.system);
      assert.ok(isShared(req.system) && Object.isFrozen(req.system[1]!));
      assert.ok(isShared(req.messages[0]!), 'the merged user turn is shared');
      assert.match((req.messages[0]!.content[1] as { text: string }).text, /^<system-reminder>\n<reminder>/);
      if (previous) {
        assert.equal(req.system, previous.system);
        assert.equal(req.messages[0], previous.messages[0]);
      }
      for (const [name, bytes] of bytesOf(req)) {
        const encode = encoders.find(([n]) => n === name)![1];
        // JSON.stringify knows nothing of kept bytes; a structured clone is nothing shared.
        assert.ok(bytes.equals(Buffer.from(JSON.stringify(encode(reference)))), `request ${i}, ${name}: bytes differ from a plain translation`);
        const unshared = { ...req, system: structuredClone([...req.system]), messages: structuredClone(req.messages) };
        assert.ok(bytes.equals(stringifyJsonBytes(encode(unshared))), `request ${i}, ${name}: bytes differ from an unshared encode`);
      }
      previous = req;
    }
  });

  test('a changed system prompt, system turn or user turn before it is decoded and encoded afresh', () => {
    const base = decodeAnthropicRequest(parsed(body()));
    const variants = [
      body({ system: [{ type: 'text', text: 'short header' }, { type: 'text', text: `You are a coding agent. ${'Rules. '.repeat(41)}` }] }),
      body({ system: 'a plain string system prompt' }),
      body({ reminder: `${reminder} (changed)` }),
      body({ first: `Another question. ${'Context. '.repeat(2000)}` }),
    ];
    for (const [i, variant] of variants.entries()) {
      for (let k = 0; k < 2; k++) {
        const req = decodeAnthropicRequest(parsed(variant));
        const reference = decodeAnthropicRequest(plain(variant));
        assert.deepEqual(req.system, reference.system, `variant ${i}`);
        assert.deepEqual(req.messages, reference.messages, `variant ${i}`);
        for (const [name, encode] of encoders) {
          assert.ok(stringifyJsonBytes(encode(req)).equals(Buffer.from(JSON.stringify(encode(reference)))), `variant ${i}, ${name}`);
        }
        if (i < 2) assert.notDeepEqual(req.system, base.system);
        else assert.notEqual(req.messages[0], base.messages[0]);
      }
    }
  });

  test('a system prompt of empty texts gives Gemini no systemInstruction, shared or not', () => {
    for (let i = 0; i < 2; i++) {
      const req = decodeAnthropicRequest(parsed(body({ system: [{ type: 'text', text: '' }] })));
      assert.equal((encodeGeminiRequest(req) as Record<string, unknown>).systemInstruction, undefined);
    }
  });
});

describe('generated sessions with system prompts and system turns', () => {
  // Bodies of 16 kB and more are parsed by segments; each text is long enough (≥ 128 bytes) to be kept.
  const pad = 'Context for the model. '.repeat(800);
  const text = fc.constantFrom('alpha', 'beta ✓', 'gamma "quoted"', 'delta\nline').map((t) => `${t} ${'words and more words '.repeat(8)}`);
  const mark = fc.option(fc.constant({ type: 'ephemeral' }), { nil: undefined });
  const systemPrompt = fc.oneof(
    text,
    fc.array(fc.record({ text, cache_control: mark }, { requiredKeys: ['text'] }).map((b) => ({ type: 'text', ...b })), { minLength: 1, maxLength: 3 }),
  );
  const turn = fc.oneof(
    text.map((t) => ({ role: 'user', content: t })),
    text.map((t) => ({ role: 'assistant', content: [{ type: 'text', text: t }] })),
    text.map((t) => ({ role: 'system', content: t })),
    fc.array(text, { minLength: 1, maxLength: 2 }).map((ts) => ({ role: 'system', content: ts.map((t) => ({ type: 'text', text: t })) })),
  );
  const session = fc.record({ system: systemPrompt, turns: fc.array(turn, { minLength: 1, maxLength: 6 }) });

  test('every request of a sequence (resent, changed, more systems than are kept) translates to the bytes of a plain decode', () => {
    fc.assert(
      fc.property(fc.array(session, { minLength: 1, maxLength: 7 }), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), (sessions, order) => {
        // Requests go to the sessions in a generated order: repeats, interleavings, and (with 5+ systems) evictions.
        for (const i of order) {
          const s = sessions[i % sessions.length]!;
          const body = { model: 'm', max_tokens: 10, system: s.system, messages: [{ role: 'user', content: pad }, ...s.turns] };
          const req = decodeAnthropicRequest(parsed(body));
          const reference = decodeAnthropicRequest(plain(body));
          assert.deepEqual(req.system, reference.system);
          assert.deepEqual(req.messages, reference.messages);
          assert.equal(countRequestTokens(req), countRequestTokens(structuredClone(reference)));
          for (const [name, encode] of encoders) {
            assert.ok(stringifyJsonBytes(encode(req)).equals(Buffer.from(JSON.stringify(encode(reference)))), `${name}: bytes differ from a plain translation`);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('RepeatCache', () => {
  test('keeps the most recent values, and finds a value only by JSON equal to its key', () => {
    const cache = new RepeatCache<{ n: number }>(2);
    cache.set([1], { n: 1 });
    cache.set([2], { n: 2 });
    assert.equal(cache.get([1])?.n, 1); // now the most recent
    cache.set([3], { n: 3 }); // drops [2]
    assert.equal(cache.get([2]), undefined);
    assert.equal(cache.get([1])?.n, 1);
    assert.equal(cache.get([3])?.n, 3);
    assert.equal(cache.get(['1']), undefined);
  });
});

const chars = fc.constantFrom('a', 'b', 'é', '✓', '"', '\\', '\n');
const key = fc.string({ unit: chars, maxLength: 3 });
const jsonValue = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, key, fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('node'), { maxKeys: 3 }),
})).node;

/** The same value with the keys of every object in reverse order (JSON.parse of a reordered text). */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
  return v;
}

describe('sameJson', () => {
  test('equal exactly when JSON.stringify gives the same text (generated values, mutated and reordered)', () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, (a, b) => {
        const copy = JSON.parse(JSON.stringify(a)) as unknown;
        assert.equal(sameJson(a, copy), true);
        assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b));
        const reordered = reversedKeys(a);
        assert.equal(sameJson(a, reordered), JSON.stringify(a) === JSON.stringify(reordered));
      }),
      { numRuns: 2000 },
    );
  });
});
