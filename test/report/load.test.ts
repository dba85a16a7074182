/** Reading run directories and record files; pooling; validation at the boundary. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunRecord, RunRecordError } from '../../src/experiment/run-record.ts';
import { ReportError } from '../../src/report/errors.ts';
import { loadRecords } from '../../src/report/load.ts';
import { earlierLogVariance } from '../../src/report/variance.ts';
import { record, synthRecords } from './fixtures.ts';

const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('loading records', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentab-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('pools a run directory and a records file, in canonical order, dropping duplicates', async () => {
    const a = synthRecords({ seed: 1, tasks: [{ task: 't', scale: 1000 }], conditions: { baseline: 1, c: 1 }, reps: 3, runId: 'vm-a' });
    const b = synthRecords({ seed: 2, tasks: [{ task: 't', scale: 1000 }], conditions: { baseline: 1, c: 1 }, reps: 3, runId: 'vm-b' });
    await mkdir(join(dir, 'vm-a'));
    await writeFile(join(dir, 'vm-a', 'records.jsonl'), jsonl(a));
    await writeFile(join(dir, 'b.jsonl'), jsonl([...b, b[0]]) + '\n');
    const l = await loadRecords([join(dir, 'b.jsonl'), join(dir, 'vm-a')]);
    assert.equal(l.records.length, 12);
    assert.equal(l.duplicates, 1);
    assert.deepEqual(l.runIds, ['vm-a', 'vm-b']);
    assert.equal(l.experiment, 'pilot');
    assert.deepEqual(l.records.slice(0, 2).map((r) => [r.condition, r.rep, r.runId]), [['baseline', 0, 'vm-a'], ['baseline', 0, 'vm-b']]);
  });

  test('a bad line is reported with its file and line number', async () => {
    const bad = { ...record({ condition: 'baseline', task: 't', rep: 0 }), wallMs: -5 };
    await writeFile(join(dir, 'bad.jsonl'), jsonl([record({ condition: 'baseline', task: 't', rep: 1 }), bad]));
    await assert.rejects(loadRecords([join(dir, 'bad.jsonl')]), (e: unknown) => {
      assert.ok(e instanceof ReportError);
      assert.equal(e.code, 'bad_record');
      assert.match(e.message, /bad\.jsonl:2: invalid run record at wallMs/);
      return true;
    });
    await writeFile(join(dir, 'garbage.jsonl'), '{"v":1,\n');
    await assert.rejects(loadRecords([join(dir, 'garbage.jsonl')]), /garbage\.jsonl:1/);
  });

  test('a torn last line (a run killed mid-append) is skipped with a note, as the run store reads it; a plan dir is skipped', async () => {
    const recs = synthRecords({ seed: 3, tasks: [{ task: 't', scale: 1000 }], conditions: { baseline: 1, c: 1 }, reps: 2 });
    await mkdir(join(dir, 'crashed'));
    await writeFile(join(dir, 'crashed', 'records.jsonl'), jsonl(recs) + JSON.stringify(recs[0]).slice(0, 40));
    await mkdir(join(dir, 'planned'));
    await writeFile(join(dir, 'planned', 'plan.json'), '{}\n');
    const l = await loadRecords([join(dir, 'crashed'), join(dir, 'planned')]);
    assert.equal(l.records.length, recs.length);
    assert.ok(l.notes?.some((n) => /last line was cut short/.test(n)), JSON.stringify(l.notes));
    assert.ok(l.notes?.some((n) => /planned: no run records .*skipped/.test(n)), JSON.stringify(l.notes));
    await assert.rejects(loadRecords([join(dir, 'planned')]), (e: unknown) => e instanceof ReportError && e.code === 'no_records');
  });

  test('records of two experiments are not pooled; a missing input is named', async () => {
    await writeFile(join(dir, 'x.jsonl'), jsonl([record({ condition: 'baseline', task: 't', rep: 0, experiment: 'other' })]));
    await writeFile(join(dir, 'y.jsonl'), jsonl([record({ condition: 'baseline', task: 't', rep: 0 })]));
    await assert.rejects(loadRecords([join(dir, 'x.jsonl'), join(dir, 'y.jsonl')]), (e: unknown) => e instanceof ReportError && e.code === 'mixed_experiments');
    await assert.rejects(loadRecords([join(dir, 'nope')]), (e: unknown) => e instanceof ReportError && e.code === 'unreadable_input');
  });

  test('run records: a newer version is refused by name, loose env and runnerReported pass through', () => {
    const r = record({ condition: 'baseline', task: 't', rep: 0 });
    assert.throws(() => parseRunRecord({ ...r, v: 2 }), (e: unknown) => e instanceof RunRecordError && e.code === 'unsupported_run_record_version' && /newer/.test(e.message));
    const loose = parseRunRecord({ ...r, env: { cpus: 2, kernel: '6.1' }, runnerReported: { turns: 4 } });
    assert.equal(loose.env.kernel, '6.1');
    assert.equal(loose.runnerReported.turns, 4);
    assert.throws(() => parseRunRecord({ ...r, outcome: 'crashed' }), RunRecordError);
  });

  test('earlier runs give the log-scale variance the plan step feeds to powerEstimate', () => {
    const recs = synthRecords({ seed: 3, tasks: [{ task: 'a', scale: 1000 }, { task: 'b', scale: 100_000 }], conditions: { baseline: 1 }, reps: 40, sigma: 0.3 });
    const v = earlierLogVariance(recs, 'wall');
    assert.ok(v.pooled !== null && Math.abs(v.pooled - 0.09) < 0.03, `pooled ${v.pooled}`);
    assert.deepEqual(Object.keys(v.byTask), ['a', 'b']);
  });
});
