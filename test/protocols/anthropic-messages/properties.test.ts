import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anthropicSseToParts, partsToAnthropicSse } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { collectStream } from '../../../src/canonical/form.ts';
import { collect, fixture, streamOf, withoutIdentity } from '../../backends/helpers/streams.ts';
import { byteCuts, canonicalStream, splitBytes } from '../../backends/helpers/arbitraries.ts';
import { assertAnthropicStream } from './sse-validate.ts';

describe('Anthropic codec properties', () => {
  test('random valid canonical streams survive encode → decode (any byte split), and every encoding is a valid event sequence', async () => {
    await fc.assert(
      fc.asyncProperty(canonicalStream({ noReasoningTokens: true }), byteCuts, async (parts, cuts) => {
        const bytes = Buffer.concat(await collect(streamOf(parts).pipeThrough(partsToAnthropicSse({ model: 'alias' }))));
        assertAnthropicStream(bytes.toString('utf8'));
        const again = await collect(splitBytes(bytes, cuts).pipeThrough(anthropicSseToParts()));
        assert.deepEqual(withoutIdentity(await collectStream(streamOf(again))), withoutIdentity(await collectStream(streamOf(parts))));
      }),
      { numRuns: 150 },
    );
  });

  test('random byte splits of a recorded stream decode to the same parts', async () => {
    for (const name of ['text-then-tool.chunks', 'thinking.chunks', 'error-mid-stream.chunks']) {
      const bytes = fixture('anthropic', name);
      const whole = await collect(splitBytes(bytes, []).pipeThrough(anthropicSseToParts()));
      await fc.assert(
        fc.asyncProperty(byteCuts, async (cuts) => {
          assert.deepEqual(await collect(splitBytes(bytes, cuts).pipeThrough(anthropicSseToParts())), whole);
        }),
        { numRuns: 60 },
      );
    }
  });
});
