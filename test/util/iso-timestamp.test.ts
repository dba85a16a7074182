import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTimestamp } from '../../src/util/iso-timestamp.ts';

test('isoTimestamp equals Date#toISOString', () => {
  const times = [0, 1, 9, 10, 99, 100, 999, 1000, -1, -999, -1000, -1001, Date.now(), 253402300799999, 253402300800000, -62167219200001, 8.64e15, -8.64e15];
  // runs of neighbouring milliseconds: within one second (the cached prefix) and across seconds, minutes, years
  for (const start of [Date.UTC(2026, 10, 28, 11, 59, 59, 990), Date.UTC(1999, 11, 31, 23, 59, 59, 995), Date.UTC(2024, 1, 28, 23, 59, 59, 998)]) {
    for (let t = start; t < start + 25; t++) times.push(t);
  }
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    times.push(Math.floor((seed / 2147483648 - 0.5) * 1e14));
  }
  for (const t of times) assert.equal(isoTimestamp(t), new Date(t).toISOString(), `at ${t}`);
});

test('isoTimestamp of a fractional time is toISOString of it (Date truncates)', () => {
  for (const t of [1.5, 1764330000123.9, -0.5]) assert.equal(isoTimestamp(t), new Date(t).toISOString());
});

test('isoTimestamp throws like toISOString outside the Date range', () => {
  assert.throws(() => isoTimestamp(8.64e15 + 1), RangeError);
  assert.throws(() => isoTimestamp(Number.NaN), RangeError);
});
