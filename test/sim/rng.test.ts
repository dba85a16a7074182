import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digest, fnv1a, Rng, rngFrom } from '../../src/sim/rng.ts';

describe('seeded randomness', () => {
  test('FNV-1a matches the reference values', () => {
    assert.equal(fnv1a(''), 0x811c9dc5);
    assert.equal(fnv1a('a'), 0xe40c292c);
    assert.equal(fnv1a('foobar'), 0xbf9cf968);
  });

  test('the same seed gives the same sequence, another seed another', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(42)));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(42)));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(43)));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (const x of a) assert.ok(x >= 0 && x < 1);
  });

  test('helpers stay in range', () => {
    const r = rngFrom(1, 'req', 'purpose');
    for (let i = 0; i < 200; i++) {
      const n = r.int(1, 4);
      assert.ok(n >= 1 && n <= 4 && Number.isInteger(n));
      assert.ok(r.lognormal(0.5) > 0);
    }
    assert.equal(r.lognormal(0), 1);
    assert.throws(() => r.pick([]), RangeError);
  });

  test('digest is 16 hex chars and differs for different text', () => {
    assert.match(digest('x'), /^[0-9a-f]{16}$/);
    assert.notEqual(digest('x'), digest('y'));
    assert.equal(digest('x'), digest('x'));
  });
});
