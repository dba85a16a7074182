/**
 * `run-matrix --results-uri gs://…`: the shard's run dir mirrored to (fake) Cloud Storage by
 * Google's storage client as each cell finishes — cell files, the cell's own spend lines,
 * record.json last, with the VM's name, zone and machine type from the (fake) metadata
 * server in every record's env; failed uploads retried, earlier attempts' records restored.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Storage } from '@google-cloud/storage';
import { execa } from 'execa';
import { GcsPrefix } from '../../src/cloud/gcs.ts';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { GcsResultsSink, type ResultsSink } from '../../src/experiment/results-sink.ts';
import { parseRunRecord, type RunRecord } from '../../src/experiment/run-record.ts';
import { silentLogger } from '../../src/util/log.ts';
import { CALL_PROXY, FAST_SIM_PROXY, writeExperiment } from '../experiment/helpers.ts';
import { startFakeGcs, startFakeMetadata, type FakeGcs, type FakeMetadata } from '../helpers/fake-gcp/index.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const BIN = fileURLToPath(new URL('../../bin/agentab.js', import.meta.url));
const SHARD = 'agentab/sink/r1/shard-0';

function experiment() {
  return writeExperiment(
    `name: sink
runners:
  - name: cmd
    kind: command
    command: node ${CALL_PROXY} $CALLS
conditions:
  - name: a
    env: { CALLS: 1 }
  - name: b
    env: { CALLS: 2 }
tasks: tasks/*.yaml
reps: 2
concurrency: 2
timeout: 60s
${FAST_SIM_PROXY}`,
    { ok: 'prompt: p\ncheck: "true"\n' },
  );
}

/** The sink with its per-cell step replaced (to look at the bucket right after each cell). */
const observe = (sink: ResultsSink, cellRecorded: (rec: RunRecord) => Promise<void>): ResultsSink => ({
  target: sink.target,
  open: (dir) => sink.open(dir),
  close: () => sink.close(),
  cellRecorded,
});

/** A storage client that does not retry, so an injected failure reaches the sink. */
const noRetryStorage = (gcs: FakeGcs) => new Storage({ apiEndpoint: gcs.url, projectId: 'p', retryOptions: { autoRetry: false } });

describe('results sink to Cloud Storage', () => {
  let gcs: FakeGcs;
  let md: FakeMetadata;
  before(async () => {
    gcs = await startFakeGcs({ buckets: ['bkt'] });
    md = await startFakeMetadata({ vm: { name: 'agentab-r1-group0-0', zone: 'us-central1-b', machineType: 'n2-standard-4' } });
  });
  after(async () => {
    await gcs.close();
    await md.close();
  });

  test('every cell lands as it finishes: files, its own spend lines, record.json last', async () => {
    const x = experiment();
    const spec = await loadExperiment(x.spec);
    const sink = new GcsResultsSink({ prefix: new GcsPrefix(new Storage({ apiEndpoint: gcs.url, projectId: 'p' }), `gs://bkt/${SHARD}-a`), log: silentLogger });
    const seenAtRecord: string[][] = [];
    const results = observe(sink, async (rec) => {
      await sink.cellRecorded(rec);
      seenAtRecord.push(gcs.list('bkt', `${SHARD}-a/cells/${rec.cell}/`));
    });
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, runId: 'r1', results, recordEnv: { vm: 'vm-a', zone: 'z', machineType: 'm' } });
    assert.equal(r.records.length, 4);
    assert.equal(seenAtRecord.length, 4, 'the sink ran once per cell, as each finished');
    for (const names of seenAtRecord) assert.ok(names.some((n) => n.endsWith('/record.json')) && names.some((n) => n.endsWith('/stdout.log')));
    for (const rec of r.records) {
      const base = `${SHARD}-a/cells/${rec.cell}`;
      const remote = parseRunRecord(JSON.parse(gcs.read('bkt', `${base}/record.json`)!.toString()));
      assert.deepEqual(remote, rec);
      assert.equal(remote.env.vm, 'vm-a');
      const spendLines = gcs.read('bkt', `${base}/spend.jsonl`)!.toString().trim().split('\n');
      assert.equal(spendLines.length, rec.calls, 'the cell\'s own spend lines');
      assert.ok(spendLines.every((l) => (JSON.parse(l) as { cell: string }).cell === rec.cell));
      assert.equal(gcs.read('bkt', `${base}/stdout.log`)!.toString(), readFileSync(path.join(r.runDir, 'cells', rec.cell, 'stdout.log'), 'utf8'));
      // record.json is uploaded after every other object of its cell
      const uploads = gcs.requests.filter((q) => q.url.startsWith('/upload') && decodeURIComponent(q.url).includes(`${base}/`));
      assert.ok(uploads.length >= 4);
      assert.match(decodeURIComponent(uploads.at(-1)!.url), /record\.json$/);
    }
    assert.equal(gcs.read('bkt', `${SHARD}-a/records.jsonl`)!.toString().trim().split('\n').length, 4, 'the shard\'s records.jsonl at close');
    assert.ok(gcs.read('bkt', `${SHARD}-a/manifest.json`));
  });

  test('an upload that fails is retried later, and record.json never precedes its files', async () => {
    const x = experiment();
    const spec = await loadExperiment(x.spec, { concurrency: 1 });
    const sink = new GcsResultsSink({ prefix: new GcsPrefix(noRetryStorage(gcs), `gs://bkt/${SHARD}-b`), log: silentLogger });
    let failedCell: string | undefined;
    const results = observe(sink, async (rec) => {
      if (failedCell) return sink.cellRecorded(rec);
      failedCell = rec.cell;
      gcs.failUploads(1);
      await sink.cellRecorded(rec);
      assert.equal(gcs.requests.filter((q) => q.url.startsWith('/upload')).length > 0, true);
      assert.deepEqual(gcs.list('bkt', `${SHARD}-b/cells/${rec.cell}/`).filter((n) => n.endsWith('record.json')), [], 'no record.json while a file of the cell is missing');
    });
    const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, runId: 'r2', results });
    assert.ok(failedCell);
    for (const rec of r.records) {
      const names = gcs.list('bkt', `${SHARD}-b/cells/${rec.cell}/`).map((n) => n.split('/').pop());
      for (const want of ['stdout.log', 'stderr.log', 'spend.jsonl', 'record.json']) assert.ok(names.includes(want), `cell ${rec.cell} has ${want}: ${names.join(', ')}`);
    }
  });

  test('a retried shard restores the records already uploaded and runs only the rest', async () => {
    const x = experiment();
    const spec = await loadExperiment(x.spec);
    const uri = `gs://bkt/${SHARD}-c`;
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'p' });
    const firstRun = await runMatrix({ spec, outRoot: path.join(x.dir, 'vm1'), env, log: silentLogger, runId: 'r3', results: new GcsResultsSink({ prefix: new GcsPrefix(storage, uri), log: silentLogger }) });
    // the VM died after two cells: only their records reached the bucket
    const keep = new Set(firstRun.records.slice(0, 2).map((r) => r.cell));
    for (const name of gcs.list('bkt', `${SHARD}-c/cells/`)) if (name.endsWith('record.json') && !keep.has(name.split('/').at(-2)!)) gcs.objects.delete(`bkt/${name}`);
    const second = await runMatrix({ spec, outRoot: path.join(x.dir, 'vm2'), env, log: silentLogger, runId: 'r3', results: new GcsResultsSink({ prefix: new GcsPrefix(storage, uri), log: silentLogger }) });
    assert.equal(second.skipped, 2);
    assert.equal(second.ran, 2);
    assert.equal(second.records.length, 4);
    assert.equal(gcs.list('bkt', `${SHARD}-c/cells/`).filter((n) => n.endsWith('record.json')).length, 4);
  });

  test('the CLI flag: AGENTAB_GCS_ENDPOINT and the VM facts from the metadata server', async () => {
    const x = experiment();
    const uri = `gs://bkt/${SHARD}-d`;
    const r = await execa('node', [BIN, 'run-matrix', x.spec, '--out', x.out, '--results-uri', uri, '--json'], {
      env: { ...process.env, AGENTAB_GCS_ENDPOINT: gcs.url, GCE_METADATA_HOST: md.host },
      reject: false,
      timeout: 180_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const records = gcs.list('bkt', `${SHARD}-d/cells/`).filter((n) => n.endsWith('record.json'));
    assert.equal(records.length, 4);
    for (const name of records) {
      const rec = parseRunRecord(JSON.parse(gcs.read('bkt', name)!.toString()));
      assert.deepEqual([rec.env.vm, rec.env.zone, rec.env.machineType], ['agentab-r1-group0-0', 'us-central1-b', 'n2-standard-4']);
    }
    const bad = await execa('node', [BIN, 'run-matrix', x.spec, '--out', x.out, '--results-uri', 'gs://Bad Bucket/x'], { env: { ...process.env, AGENTAB_GCS_ENDPOINT: gcs.url, GCE_METADATA_HOST: md.host }, reject: false, timeout: 60_000 });
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /not a Cloud Storage URI: "gs:\/\/Bad Bucket\/x"/);
  });
});
