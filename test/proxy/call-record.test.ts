import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallRecord } from '../../src/proxy/call-record.ts';

const init = () => ({ id: 'r1', startedAt: 0, ts: '2026-11-28T00:00:00.000Z', cell: null, run: null, surface: 'openai', path: '/v1/chat/completions', endpoint: 'chat', client: null, session: null, reqBytes: 0 });

test('addUsage takes finite numbers only, keeps the key order, new keys last', () => {
  const rec = new CallRecord(init(), () => 1, false);
  rec.addUsage({ output: 5, input: 3, reasoning: Number.NaN, cacheRead: undefined });
  rec.addUsage({ cacheWrite1h: 2, cacheWrite: 4, input: Number.POSITIVE_INFINITY });
  assert.equal(JSON.stringify(rec.usage), '{"input":3,"output":5,"cacheRead":0,"cacheWrite":4,"reasoning":0,"cacheWrite1h":2}');
});

test('addUsage after the record was built leaves the built record unchanged', () => {
  const rec = new CallRecord(init(), () => 1, false);
  rec.addUsage({ input: 1 });
  const built = rec.build([]);
  rec.addUsage({ input: 7, output: 2 });
  assert.deepEqual(built?.usage, { input: 1, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  assert.equal(rec.usage.input, 7);
});
