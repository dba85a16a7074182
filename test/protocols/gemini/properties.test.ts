import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { geminiSseToParts, partsToGeminiSse } from '../../../src/proxy/protocols/gemini/index.ts';
import { collectStream, type CanonicalResponse } from '../../../src/canonical/form.ts';
import { collect, fixture, streamOf, withoutIdentity } from '../../backends/helpers/streams.ts';
import { byteCuts, canonicalStream, splitBytes } from '../../backends/helpers/arbitraries.ts';

/** Gemini gives no tool-call ids (we mint them), so compare calls by name and arguments. */
function withoutToolIds(r: CanonicalResponse) {
  return { ...withoutIdentity(r), content: r.content.map((c) => (c.type === 'tool-call' ? { ...c, id: '' } : c)) };
}

describe('Gemini codec properties', () => {
  test('random valid canonical streams survive encode → decode, whatever the byte split', async () => {
    await fc.assert(
      fc.asyncProperty(canonicalStream({ noCacheWrite: true, noAdjacentSameKind: true }), byteCuts, async (parts, cuts) => {
        const bytes = Buffer.concat(await collect(streamOf(parts).pipeThrough(partsToGeminiSse({ model: 'm' }))));
        const again = await collect(splitBytes(bytes, cuts).pipeThrough(geminiSseToParts()));
        assert.deepEqual(withoutToolIds(await collectStream(streamOf(again))), withoutToolIds(await collectStream(streamOf(parts))));
      }),
      { numRuns: 150 },
    );
  });

  test('random byte splits of a recorded stream decode to the same parts', async () => {
    for (const name of ['text-usage-only-last.chunks', 'thinking-then-call.chunks', 'parallel-calls.chunks']) {
      const bytes = fixture('gemini', name);
      const whole = await collect(splitBytes(bytes, []).pipeThrough(geminiSseToParts()));
      await fc.assert(
        fc.asyncProperty(byteCuts, async (cuts) => {
          assert.deepEqual(await collect(splitBytes(bytes, cuts).pipeThrough(geminiSseToParts())), whole);
        }),
        { numRuns: 60 },
      );
    }
  });
});
