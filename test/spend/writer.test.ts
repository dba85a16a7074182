import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/util/log.ts';
import { SpendLogError } from '../../src/proxy/spend/errors.ts';
import { installExitHandlers, SpendWriter } from '../../src/proxy/spend/writer.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { sampleRecord } from './fixtures.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentab-spend-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const quiet = createLogger('silent');
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

test('write() returns synchronously without touching the disk; flush() puts it there', async () => {
  const path = join(dir, 'nested', 'deeper', 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet });
  const ret: unknown = w.write(sampleRecord({ id: 'a' }));
  assert.equal(ret, undefined); // not a promise
  assert.equal(existsSync(path), false);
  assert.equal(w.pendingCount, 1);
  await w.flush();
  assert.deepEqual(lines(path).map((l) => JSON.parse(l).id), ['a']);
  assert.equal(w.pendingCount, 0);
  await w.close();
});

test('1000 writes from a tight loop land as exactly 1000 lines in order', async () => {
  const path = join(dir, 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet, maxBatch: 64 });
  for (let i = 0; i < 1000; i++) w.write(sampleRecord({ id: `r${i}` }));
  await w.flush();
  const ids = lines(path).map((l) => JSON.parse(l).id);
  assert.equal(ids.length, 1000);
  assert.deepEqual(ids, Array.from({ length: 1000 }, (_, i) => `r${i}`));
  await w.close();
});

test('the timer appends without an explicit flush', async () => {
  const path = join(dir, 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet, flushIntervalMs: 1 });
  w.write(sampleRecord({ id: 'timed' }));
  // wait (without timing assertions) until the timer-driven append happened
  for (let i = 0; i < 2000 && !(existsSync(path) && lines(path).length > 0); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(lines(path).map((l) => JSON.parse(l).id), ['timed']);
  await w.close();
});

test('lines written while an append is in flight reach the disk on the next timed append, without a flush', async () => {
  const path = join(dir, 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet, flushIntervalMs: 5, maxBatch: 1000 });
  w.write(sampleRecord({ id: 'first' }));
  // Keep writing while the first appends run: each line lands in some later batch.
  for (let i = 0; i < 50; i++) {
    w.write(sampleRecord({ id: `during-${i}` }));
    await new Promise((r) => setImmediate(r));
  }
  // the lines can be on disk a moment before the append's callback clears them from pending
  for (let i = 0; i < 2000 && !(existsSync(path) && lines(path).length === 51 && w.pendingCount === 0); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(lines(path).map((l) => JSON.parse(l).id), ['first', ...Array.from({ length: 50 }, (_, i) => `during-${i}`)]);
  assert.equal(w.pendingCount, 0);
  await w.close();
});

test('flushSync appends what is pending, synchronously', () => {
  const path = join(dir, 'sub', 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet, flushIntervalMs: 60_000 });
  w.write(sampleRecord({ id: 'x1' }));
  w.write(sampleRecord({ id: 'x2' }));
  w.flushSync();
  assert.deepEqual(lines(path).map((l) => JSON.parse(l).id), ['x1', 'x2']);
  w.flushSync(); // nothing left: no duplicate lines
  assert.equal(lines(path).length, 2);
});

test('onRecord listeners see every record, also without a file; unsubscribe works', async () => {
  const w = new SpendWriter(null, { log: quiet });
  const seen: string[] = [];
  const off = w.onRecord((r) => seen.push(r.id));
  w.onRecord(() => {
    throw new Error('a broken listener must not break write()');
  });
  w.write(sampleRecord({ id: 'l1' }));
  off();
  w.write(sampleRecord({ id: 'l2' }));
  assert.deepEqual(seen, ['l1']);
  await w.flush();
  assert.equal(w.pendingCount, 0);
});

test('a disk error keeps the records in memory and a later flush writes them', async () => {
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'a file where a directory should be');
  const path = join(blocker, 'spend.jsonl');
  const logged: string[] = [];
  const w = new SpendWriter(path, { log: createLogger('warn', (l) => logged.push(l)), retryMs: 60_000 });
  w.write(sampleRecord({ id: 'keep1' }));
  w.write(sampleRecord({ id: 'keep2' }));
  await assert.rejects(w.flush(), (e: unknown) => e instanceof SpendLogError && e.code === 'write_failed');
  await assert.rejects(w.flush());
  assert.equal(w.pendingCount, 2);
  assert.equal(logged.filter((l) => l.includes('could not append')).length, 1, 'logged once per failure streak');
  rmSync(blocker);
  await w.flush();
  assert.deepEqual(lines(path).map((l) => JSON.parse(l).id), ['keep1', 'keep2']);
  await w.close();
});

test('appending after a torn last line starts on a fresh line', async () => {
  const path = join(dir, 'spend.jsonl');
  const good = JSON.stringify(sampleRecord({ id: 'old' }));
  writeFileSync(path, good + '\n' + good.slice(0, 40));
  const w = new SpendWriter(path, { log: quiet });
  w.write(sampleRecord({ id: 'new' }));
  await w.close();
  const log = await readSpendLog(path);
  assert.deepEqual(log.records.map((r) => r.id), ['old', 'new']);
  assert.equal(log.badLines, 1);
  assert.equal(log.tornTail, false);
});

test('writes after close are dropped', async () => {
  const path = join(dir, 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet });
  w.write(sampleRecord({ id: 'before' }));
  await w.close();
  w.write(sampleRecord({ id: 'after' }));
  await w.flush();
  assert.deepEqual(lines(path).map((l) => JSON.parse(l).id), ['before']);
});

test('options are checked up front', () => {
  assert.throws(() => new SpendWriter(null, { maxBatch: 0 }), /maxBatch.*received 0/);
  assert.throws(() => new SpendWriter(null, { flushIntervalMs: -1 }), SpendLogError);
});

test('installExitHandlers registers a flushSync on exit and the disposer removes it', () => {
  const path = join(dir, 'spend.jsonl');
  const w = new SpendWriter(path, { log: quiet, flushIntervalMs: 60_000 });
  const before = process.listenerCount('exit');
  const dispose = installExitHandlers(w);
  assert.equal(process.listenerCount('exit'), before + 1);
  w.write(sampleRecord({ id: 'at-exit' }));
  for (const l of process.listeners('exit').slice(before)) (l as (code: number) => void)(0);
  assert.deepEqual(lines(path).map((l) => (JSON.parse(l) as SpendRecord).id), ['at-exit']);
  dispose();
  assert.equal(process.listenerCount('exit'), before);
});
