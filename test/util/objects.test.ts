/** util/objects.ts: withLazyProp builds its value once, on first read, and is an ordinary property to every reader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLazyProp } from '../../src/util/objects.ts';

test('withLazyProp: built on first read and once; JSON, structured clones, spreads and Object.keys see it; an assignment replaces it', () => {
  let builds = 0;
  const make = () => withLazyProp({ a: 1 }, 'values', () => {
    builds++;
    return [1, null, 3];
  });
  const lazy = make();
  assert.equal(builds, 0, 'nothing built before a read');
  assert.deepEqual(Object.keys(lazy), ['a', 'values']);
  assert.equal(JSON.stringify(lazy), '{"a":1,"values":[1,null,3]}');
  assert.equal(builds, 1);
  assert.equal(lazy.values, lazy.values, 'the same array every read');
  assert.equal(builds, 1);
  const fresh = make();
  assert.deepEqual(structuredClone(fresh), { a: 1, values: [1, null, 3] }, 'a clone made before any read');
  assert.deepEqual({ ...make() }, { a: 1, values: [1, null, 3] });
  const replaced = make();
  replaced.values = [7];
  assert.deepEqual(replaced.values, [7]);
  assert.equal(builds, 3, 'the replaced one was never built');
});
