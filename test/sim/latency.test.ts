import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunkDelayMs, chunkSizes, ttftMs } from '../../src/sim/latency.ts';
import { sleep as realSleep } from '../../src/util/sleep.ts';
import { Rng } from '../../src/sim/rng.ts';

const knobs = { ttftMs: 500, ttftMsPer1kTokens: 20, jitter: 0, tokensPerSecond: 50 };

describe('latency model', () => {
  test('without jitter, ttft is base + per-1k-tokens', () => {
    assert.equal(ttftMs(knobs, 0, new Rng(1)), 500);
    assert.equal(ttftMs(knobs, 10_000, new Rng(1)), 700);
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
