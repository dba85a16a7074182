import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpendLogError } from '../../src/proxy/spend/errors.ts';
import { emptySpendLogStats, iterSpendLog, readSpendLog } from '../../src/proxy/spend/reader.ts';
import { sampleRecord } from './fixtures.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentab-spend-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (id: string) => JSON.stringify(sampleRecord({ id })) + '\n';

test('a torn last line: the good records come back and tornTail is set', async () => {
  const path = join(dir, 'spend.jsonl');
  writeFileSync(path, line('a') + line('b'));
  const half = line('c');
  appendFileSync(path, half.slice(0, Math.floor(half.length / 2)));
  const log = await readSpendLog(path);
  assert.deepEqual(log.records.map((r) => r.id), ['a', 'b']);
  assert.equal(log.tornTail, true);
  assert.equal(log.badLines, 0);
});

test('invalid lines in the middle are skipped and counted; blank lines ignored', async () => {
  const path = join(dir, 'spend.jsonl');
  writeFileSync(
    path,
    line('a') + 'not json at all\n' + '\n' + JSON.stringify({ v: 1, id: 'x' }) + '\n' + line('b') + '{"v":1,"id":"to\n' + line('c'),
  );
  const log = await readSpendLog(path);
  assert.deepEqual(log.records.map((r) => r.id), ['a', 'b', 'c']);
  assert.equal(log.badLines, 3);
  assert.equal(log.tornTail, false);
});

test('a complete last line without a newline is a record, not a torn tail', async () => {
  const path = join(dir, 'spend.jsonl');
  writeFileSync(path, line('a') + line('b').trimEnd());
  const log = await readSpendLog(path);
  assert.deepEqual(log.records.map((r) => r.id), ['a', 'b']);
  assert.equal(log.tornTail, false);
});

test('duplicate ids (the at-least-once exit path) are dropped and counted', async () => {
  const path = join(dir, 'spend.jsonl');
  writeFileSync(path, line('a') + line('b') + line('a'));
  const log = await readSpendLog(path);
  assert.deepEqual(log.records.map((r) => r.id), ['a', 'b']);
  assert.equal(log.duplicates, 1);
});

test('iterSpendLog streams records and fills the stats when done', async () => {
  const path = join(dir, 'spend.jsonl');
  writeFileSync(path, line('a') + 'garbage\n' + line('b') + '{"torn');
  const stats = emptySpendLogStats();
  const ids: string[] = [];
  for await (const rec of iterSpendLog(path, stats)) ids.push(rec.id);
  assert.deepEqual(ids, ['a', 'b']);
  assert.deepEqual(stats, { badLines: 1, tornTail: true, duplicates: 0 });
});

test('a missing file throws not_found unless missingOk', async () => {
  const path = join(dir, 'absent.jsonl');
  await assert.rejects(readSpendLog(path), (e: unknown) => e instanceof SpendLogError && e.code === 'not_found');
  const log = await readSpendLog(path, { missingOk: true });
  assert.deepEqual(log, { records: [], badLines: 0, tornTail: false, duplicates: 0 });
});
