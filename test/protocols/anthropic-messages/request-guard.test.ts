/**
 * The hand-written Messages request guard must accept exactly what the zod schema accepts:
 * the translated path trusts it instead of the schema on every request.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  asMessagesRequest,
  BLOCK_GUARDS,
  imageBlock,
  messagesRequest,
  redactedThinkingBlock,
  textBlock as textBlockSchema,
  thinkingBlock,
  toolResultBlock,
  toolUseBlock,
} from '../../../src/proxy/protocols/anthropic-messages/anthropic-api.ts';
import { decodeAnthropicRequest } from '../../../src/proxy/protocols/anthropic-messages/decode-request.ts';
import { claudeCodeRequest } from '../../../bench/lib/claude-code-request.ts';

const anyScalar = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1.5, 2 ** 60, Infinity),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: anyScalar });
const obj = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) => fc.record(shape, { requiredKeys: [] }).map((o) => ({ ...o, extra: 1 }));
const str = maybe(fc.string({ maxLength: 4 }));
const cacheControl = maybe(fc.oneof(fc.constant(undefined), fc.constant(null), obj({ type: str, ttl: str })));
const block = maybe(obj({ type: maybe(fc.constantFrom('text', 'tool_use', 'image')), text: str, cache_control: cacheControl }));
const message = maybe(obj({ role: maybe(fc.constantFrom('user', 'assistant', 'system', 'tool')), content: maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.array(block, { maxLength: 3 }))) }));
const tool = maybe(obj({ type: str, name: str, description: str, input_schema: maybe(fc.oneof(fc.constant({ type: 'object' }), fc.constant([1]))), cache_control: cacheControl }));
const textBlock = maybe(obj({ type: maybe(fc.constant('text')), text: str, cache_control: cacheControl }));
const num = maybe(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.constant(2 ** 60)));
const request = maybe(
  obj({
    model: maybe(fc.constantFrom('', 'claude', 'x')),
    messages: maybe(fc.array(message, { maxLength: 3 })),
    system: maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.array(textBlock, { maxLength: 2 }))),
    max_tokens: num,
    tools: maybe(fc.array(tool, { maxLength: 2 })),
    tool_choice: maybe(obj({ type: maybe(fc.constantFrom('auto', 'any', 'tool', 'none', 'some')), name: str, disable_parallel_tool_use: maybe(fc.boolean()) })),
    stop_sequences: maybe(fc.array(str, { maxLength: 2 })),
    temperature: num,
    top_p: num,
    top_k: num,
    stream: maybe(fc.boolean()),
    thinking: maybe(obj({ type: str, budget_tokens: num })),
    output_config: maybe(obj({ effort: maybe(fc.constantFrom('low', 'medium', 'high', 'max', 'extreme')) })),
    metadata: maybe(fc.oneof(fc.constant({ user_id: 'u' }), fc.constant(['x']))),
  }),
);

describe('asMessagesRequest', () => {
  test('accepts exactly what messagesRequest accepts, and returns the body itself', () => {
    fc.assert(
      fc.property(request, (v) => {
        const guarded = asMessagesRequest(v);
        assert.equal(guarded !== undefined, messagesRequest.safeParse(v).success, JSON.stringify(v));
        if (guarded !== undefined) assert.equal(guarded, v);
      }),
      { numRuns: 5000 },
    );
  });

  test('the decoded Claude Code request is the same through the guard as through the schema', () => {
    const { body } = claudeCodeRequest('m', true);
    assert.ok(asMessagesRequest(body));
    const viaSchema = messagesRequest.parse(body);
    // The schema's copy decodes to the same canonical request as the body itself.
    assert.deepEqual(decodeAnthropicRequest(viaSchema), { ...decodeAnthropicRequest(body), raw: viaSchema });
  });
});

describe('BLOCK_GUARDS', () => {
  const anyValue = maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.constant({ a: 1 })));
  const source = maybe(
    obj({ type: maybe(fc.constantFrom('base64', 'url', 'file')), media_type: str, data: str, url: str }),
  );
  const blocks = {
    text: obj({ type: maybe(fc.constant('text')), text: str, cache_control: cacheControl }),
    tool_use: obj({ type: maybe(fc.constant('tool_use')), id: str, name: str, input: anyValue, cache_control: cacheControl }),
    tool_result: obj({
      type: maybe(fc.constant('tool_result')),
      tool_use_id: str,
      content: maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.array(maybe(obj({ type: str, text: str })), { maxLength: 3 }))),
      is_error: maybe(fc.boolean()),
      cache_control: cacheControl,
    }),
    thinking: obj({ type: maybe(fc.constant('thinking')), thinking: str, signature: str }),
    redacted_thinking: obj({ type: maybe(fc.constant('redacted_thinking')), data: str }),
    image: obj({ type: maybe(fc.constant('image')), source, cache_control: cacheControl }),
  };
  const schemas = { text: textBlockSchema, tool_use: toolUseBlock, tool_result: toolResultBlock, thinking: thinkingBlock, redacted_thinking: redactedThinkingBlock, image: imageBlock };
  for (const type of Object.keys(blocks) as Array<keyof typeof blocks>) {
    test(`${type}: accepts exactly what its schema accepts`, () => {
      const seen = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(fc.oneof(blocks[type], anyScalar), (v) => {
          const accepted = BLOCK_GUARDS[type](v);
          assert.equal(accepted, schemas[type].safeParse(v).success, JSON.stringify(v));
          if (accepted) seen.accepted++;
          else seen.refused++;
        }),
        { numRuns: 3000 },
      );
      // The generator reaches both sides, or the comparison would prove little.
      assert.ok(seen.accepted > 30 && seen.refused > 30, JSON.stringify(seen));
    });
  }
});
