/**
 * The hand-written guard of Gemini answers (gemini-api.ts asGenerateContentResponse) must
 * accept exactly what the zod schema accepts: the stream decoder trusts it instead of the
 * schema on every frame, and the JSON decoder on every answer.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asGenerateContentResponse, generateContentResponse } from '../../../src/proxy/protocols/gemini/gemini-api.ts';

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
const str = maybe(fc.string({ maxLength: 6 }));
const num = maybe(fc.oneof(fc.integer(), fc.double()));
const bool = maybe(fc.boolean());
const obj = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) =>
  fc.record(shape, { requiredKeys: [] }).map((o) => ({ ...o, extra: 1 }));

const args = maybe(fc.oneof(fc.constant(null), fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })));
const part = maybe(obj({ text: str, thought: bool, thoughtSignature: str, functionCall: maybe(obj({ name: str, args, id: str })) }));
const candidate = maybe(obj({ content: maybe(obj({ role: str, parts: maybe(fc.array(part, { maxLength: 3 })) })), finishReason: str, index: num }));
const usage = maybe(
  obj({
    promptTokenCount: num,
    candidatesTokenCount: num,
    thoughtsTokenCount: num,
    cachedContentTokenCount: num,
    toolUsePromptTokenCount: num,
    totalTokenCount: num,
  }),
);
const answer = maybe(
  obj({
    candidates: maybe(fc.array(candidate, { maxLength: 3 })),
    usageMetadata: usage,
    modelVersion: str,
    responseId: str,
    promptFeedback: maybe(obj({ blockReason: str })),
    error: maybe(obj({ code: num, message: str, status: str })),
  }),
);

describe('Gemini answer guard', () => {
  test('asGenerateContentResponse accepts exactly what generateContentResponse accepts, and returns the value itself', () => {
    let accepted = 0;
    fc.assert(
      fc.property(answer, (v) => {
        const guarded = asGenerateContentResponse(v);
        assert.equal(guarded !== undefined, generateContentResponse.safeParse(v).success, JSON.stringify(v));
        if (guarded !== undefined) {
          assert.equal(guarded, v);
          accepted++;
        }
      }),
      { numRuns: 4000 },
    );
    // Both verdicts must be common, or the comparison says little.
    assert.ok(accepted > 200 && accepted < 3800, `accepted ${accepted} of 4000`);
  });

  test('a real streamed frame and a real answer pass, with function calls, thoughts and usage', () => {
    const frame = {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'a', thought: true, thoughtSignature: 'c2ln' }, { functionCall: { name: 'Read', args: { file_path: '/a' } } }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'r1',
    };
    assert.equal(asGenerateContentResponse(frame), frame);
    assert.equal(asGenerateContentResponse({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } }) !== undefined, true);
    assert.equal(asGenerateContentResponse({ candidates: [{ content: { parts: [{ functionCall: { args: {} } }] } }] }), undefined, 'a functionCall needs a name');
    assert.equal(asGenerateContentResponse({ usageMetadata: { totalTokenCount: '12' } }), undefined);
  });
});
