/**
 * The hand-written chunk and usage guards (schema.ts) must accept exactly what the zod schemas
 * accept: the decoder trusts them instead of the schema on every streamed chunk.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asChatChunk, asChatResponse, asChatUsage, ChatChunkSchema, ChatResponseSchema, ChatUsageSchema } from '../../../src/proxy/protocols/openai-chat/schema.ts';

/** Values that are often right and sometimes wrong in one place: every kind of field value. */
const anyScalar = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyScalar });
const nullish = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), fc.constant(null), arb);
const str = maybe(nullish(fc.string({ maxLength: 6 })));
const num = maybe(nullish(fc.oneof(fc.integer(), fc.double())));
const obj = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) =>
  fc.record(shape, { requiredKeys: [] }).map((o) => ({ ...o, extra: 1 }));

const usage = maybe(nullish(obj({
  prompt_tokens: num,
  completion_tokens: num,
  total_tokens: num,
  prompt_tokens_details: maybe(nullish(obj({ cached_tokens: num }))),
  completion_tokens_details: maybe(nullish(obj({ reasoning_tokens: num }))),
})));
const toolCall = maybe(obj({ index: num, id: str, type: str, function: maybe(nullish(obj({ name: str, arguments: str }))) }));
const delta = maybe(nullish(obj({ role: str, content: str, reasoning_content: str, reasoning: str, tool_calls: maybe(nullish(fc.array(toolCall, { maxLength: 3 }))) })));
const choice = maybe(obj({ index: num, delta, finish_reason: str }));
const chunk = maybe(obj({ id: str, model: str, created: num, choices: maybe(nullish(fc.array(choice, { maxLength: 3 }))), usage }));

const responseToolCall = maybe(obj({ id: str, type: str, function: maybe(obj({ name: maybe(fc.string({ maxLength: 6 })), arguments: str })) }));
const message = maybe(obj({ role: str, content: str, reasoning_content: str, reasoning: str, refusal: str, tool_calls: maybe(nullish(fc.array(responseToolCall, { maxLength: 3 }))) }));
const responseChoice = maybe(obj({ index: num, message, finish_reason: str }));
const response = maybe(obj({ id: str, model: str, created: num, choices: maybe(fc.array(responseChoice, { maxLength: 3 })), usage }));

describe('OpenAI chunk and usage guards', () => {
  test('asChatResponse accepts exactly what ChatResponseSchema accepts, and returns the value itself', () => {
    let accepted = 0;
    fc.assert(
      fc.property(response, (v) => {
        const guarded = asChatResponse(v);
        assert.equal(guarded !== undefined, ChatResponseSchema.safeParse(v).success, JSON.stringify(v));
        if (guarded !== undefined) {
          assert.equal(guarded, v);
          accepted++;
        }
      }),
      { numRuns: 4000 },
    );
    assert.ok(accepted > 200 && accepted < 3800, `accepted ${accepted} of 4000`);
  });

  test('asChatChunk accepts exactly what ChatChunkSchema accepts, and returns the value itself', () => {
    fc.assert(
      fc.property(chunk, (v) => {
        const guarded = asChatChunk(v);
        assert.equal(guarded !== undefined, ChatChunkSchema.safeParse(v).success, JSON.stringify(v));
        if (guarded !== undefined) assert.equal(guarded, v);
      }),
      { numRuns: 3000 },
    );
  });

  test('asChatUsage accepts exactly what ChatUsageSchema accepts', () => {
    fc.assert(
      fc.property(usage, (v) => {
        assert.equal(asChatUsage(v) !== undefined, ChatUsageSchema.safeParse(v).success, JSON.stringify(v));
      }),
      { numRuns: 3000 },
    );
  });

  test('infinite and NaN numbers are refused by both', () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      assert.equal(asChatChunk({ created: bad }), undefined);
      assert.equal(ChatChunkSchema.safeParse({ created: bad }).success, false);
    }
  });
});
