import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CACHED_PREFILL_FACTOR, DEFAULT_LATENCY_PROFILE, latencyProfileOf } from '../../src/config/sim-profiles.ts';
import { cachedMsPer1k, chunkDelayMs, chunkSizes, ttftMs } from '../../src/sim/latency.ts';
import { sleep as realSleep } from '../../src/util/sleep.ts';
import { Rng } from '../../src/sim/rng.ts';

const knobs = { ttftMs: 500, ttftMsPer1kTokens: 20, jitter: 0, tokensPerSecond: 50 };

describe('latency model', () => {
  test('without jitter, ttft is base + per-1k-tokens', () => {
    assert.equal(ttftMs(knobs, 0, new Rng(1)), 500);
    assert.equal(ttftMs(knobs, 10_000, new Rng(1)), 700);
  });

  test('cached prompt tokens cost a fraction of uncached ones, or the configured rate', () => {
    assert.equal(cachedMsPer1k(knobs), 20 * CACHED_PREFILL_FACTOR);
    assert.equal(ttftMs(knobs, 10_000, new Rng(1), 10_000), 500 + 200 * CACHED_PREFILL_FACTOR);
    assert.equal(ttftMs({ ...knobs, ttftMsPer1kCachedTokens: 1 }, 10_000, new Rng(1), 4_000), 500 + 120 + 4);
    assert.equal(ttftMs(knobs, 1_000, new Rng(1), 5_000), ttftMs(knobs, 1_000, new Rng(1), 1_000), 'cached is capped at the prompt');
  });

  test('timing profiles by model family, from the cited measurements', () => {
    assert.deepEqual(
      [latencyProfileOf('claude-sonnet-4-5').ttftMs, latencyProfileOf('claude-sonnet-4-5').tokensPerSecond],
      [2_120, 44.3],
    );
    assert.equal(latencyProfileOf('sim/gpt-5.4').name, 'gpt-5.4');
    assert.equal(latencyProfileOf('gpt-5-mini'), DEFAULT_LATENCY_PROFILE, 'no measurement of the small models: the default');
    assert.equal(latencyProfileOf('gemini-2.5-flash-lite').name, 'gemini-2.5-flash-lite');
    assert.equal(latencyProfileOf('sim-default'), DEFAULT_LATENCY_PROFILE);
  });

  test('ttft grows with the prompt for the same draw', () => {
    const jittered = { ...knobs, jitter: 0.4 };
    const small = ttftMs(jittered, 1_000, new Rng(9));
    const large = ttftMs(jittered, 40_000, new Rng(9));
    assert.ok(large > small, `${large} > ${small}`);
    assert.notEqual(ttftMs(jittered, 1_000, new Rng(10)), small);
  });

  test('chunk delay follows the token rate', () => {
    assert.equal(chunkDelayMs(knobs, 5, new Rng(1)), 100);
    assert.equal(chunkDelayMs({ ...knobs, tokensPerSecond: 0 }, 5, new Rng(1)), 0);
  });

  test('chunk sizes cover every token in chunks of 1–4', () => {
    const sizes = chunkSizes(101, new Rng(3));
    assert.equal(sizes.reduce((a, b) => a + b, 0), 101);
    for (const s of sizes) assert.ok(s >= 1 && s <= 4);
    assert.deepEqual(chunkSizes(0, new Rng(3)), []);
  });

  test('real sleep rejects with the abort reason instead of waiting out a minute', async () => {
    const ac = new AbortController();
    const reason = new Error('stop');
    const p = realSleep(60_000, ac.signal);
    setImmediate(() => ac.abort(reason));
    await assert.rejects(p, (e) => e === reason);
    await assert.rejects(realSleep(10, AbortSignal.abort(reason)), (e) => e === reason);
    await realSleep(0);
  });
});
