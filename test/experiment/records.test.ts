import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { buildRunRecord, outcomeOf, simCacheOf } from '../../src/experiment/build-record.ts';
import type { CellResult } from '../../src/experiment/launchers/types.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import { readRecordsFile, RecordsLog } from '../../src/experiment/records-store.ts';
import { cellRecordPath, runPaths } from '../../src/experiment/run-dir.ts';
import { parseRunRecord, type RunRecord } from '../../src/experiment/run-record.ts';
import { emptyReport } from '../../src/experiment/runners/types.ts';
import { makeSpendRecord, type SpendRecord } from '../../src/proxy/spend/record.ts';
import { tempDir } from './helpers.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
const plan = buildPlan(await loadExperiment(PILOT));
const [cellA, cellB] = plan.cells;

function spend(cell: string, o: Partial<SpendRecord> = {}): SpendRecord {
  return makeSpendRecord({
    id: `req_${Math.random().toString(36).slice(2)}`,
    ts: '2025-01-01T00:00:00.000Z',
    cell,
    run: 'run1',
    surface: 'openai',
    path: `/cell/${cell}/v1/chat/completions`,
    endpoint: 'chat',
    alias: 'shared-model',
    deployment: 'shared-model#0',
    backend: 'sim',
    upstreamModel: 'sim-default',
    stream: true,
    status: 200,
    error: null,
    attempts: 1,
    ttftMs: 100,
    durationMs: 400,
    upstreamMs: 390,
    overheadMs: 10,
    usage: { input: 1000, output: 50, cacheRead: 200, cacheWrite: 0, reasoning: 0 },
    costUsd: 0.01,
    finish: 'stop',
    toolCalls: 0,
    reqBytes: 100,
    resBytes: 200,
    client: 'test',
    session: null,
    ...o,
  });
}

function result(o: Partial<CellResult> = {}): CellResult {
  return {
    cellId: cellA!.id,
    host: 'h',
    startedAt: '2025-01-01T00:00:00.000Z',
    wallMs: 5000,
    launchMs: 20,
    phaseMs: { runner: 4000 },
    runner: { exitCode: 0, signal: null, timedOut: false, canceled: false, startedAtMs: 0, durationMs: 4000 },
    check: { exitCode: 0, signal: null, timedOut: false, canceled: false, startedAtMs: 0, durationMs: 10 },
    timedOut: false,
    canceled: false,
    report: emptyReport(),
    env: { cpus: 2 },
    ...o,
  };
}

const record = (cell = cellA!, r = result(), lines: SpendRecord[] = [spend(cell.id)]): RunRecord =>
  buildRunRecord({ cell, runId: 'run1', launcher: 'local', result: r, spend: lines, runnerVersion: '1.0.0' });

describe('building a RunRecord', () => {
  test('joins only the cell\'s own spend lines and sums them', () => {
    const lines = [
      spend(cellA!.id, { durationMs: 300, ttftMs: 50 }),
      spend(cellA!.id, { durationMs: 500, ttftMs: 150, usage: { input: 3000, output: 70, cacheRead: 1000, cacheWrite: 10, reasoning: 5 }, costUsd: 0.02 }),
      spend(cellB!.id, { costUsd: 99 }),
      spend(cellA!.id, { endpoint: 'count_tokens', usage: { input: 999, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, costUsd: 0, overheadMs: 2 }),
    ];
    const r = record(cellA, result(), lines);
    assert.equal(r.calls, 2);
    assert.deepEqual(r.usage, { input: 4000, output: 120, cacheRead: 1200, cacheWrite: 10, reasoning: 5 });
    assert.equal(r.costUsd, 0.03);
    assert.equal(r.modelMs, 800);
    assert.equal(r.ttftMs, 100);
    assert.equal(r.overheadMs, 22);
    assert.deepEqual(r.callLatenciesMs, [300, 500]);
    assert.equal(r.runnerReported.otherRequests, 1);
    assert.equal(r.outcome, 'pass');
    assert.equal(r.runner, cellA!.runner.name);
    assert.equal(r.order, cellA!.index);
    assert.equal(r.block, cellA!.block);
    assert.doesNotThrow(() => parseRunRecord(JSON.parse(JSON.stringify(r))));
  });

  test('records whether the simulator shared one prompt cache across cells (the experiment flag)', async () => {
    const { parseProxyConfig } = await import('../../src/config/proxy-config.ts');
    const config = parseProxyConfig(
      'model_list:\n  - {model_name: own, litellm_params: {model: sim/a}}\n  - {model_name: pooled, litellm_params: {model: sim/b, sim: {cache: {shared: true, rules: anthropic}}}}\n  - {model_name: real, litellm_params: {model: openai/gpt-5, api_key: k}}\n',
      { source: 't.yaml', env: {} },
    );
    assert.deepEqual(simCacheOf(config, 'own'), { rules: 'auto', shared: false });
    assert.deepEqual(simCacheOf(config, 'pooled'), { rules: 'anthropic', shared: true });
    assert.equal(simCacheOf(config, 'real'), undefined);
    const r = buildRunRecord({ cell: cellA!, runId: 'run1', launcher: 'local', result: result(), spend: [spend(cellA!.id)], runnerVersion: '1', simCache: simCacheOf(config, 'pooled') });
    assert.deepEqual(parseRunRecord(JSON.parse(JSON.stringify(r))).env.simCache, { rules: 'anthropic', shared: true });
  });

  test('outcomes: pass, fail, error, timeout, canceled, infra', () => {
    const c = cellA!;
    assert.equal(outcomeOf(c, result(), 1), 'pass');
    assert.equal(outcomeOf(c, result({ check: { ...result().check!, exitCode: 1 } }), 1), 'fail');
    assert.equal(outcomeOf(c, result({ runner: { ...result().runner!, exitCode: 2 } }), 1), 'error');
    assert.equal(outcomeOf(c, result({ report: { ...emptyReport(), isError: true } }), 1), 'error');
    assert.equal(outcomeOf(c, result({ timedOut: true }), 1), 'timeout');
    assert.equal(outcomeOf(c, result({ canceled: true, timedOut: false }), 1), 'canceled');
    assert.equal(outcomeOf(c, result({ infraError: 'setup failed', runner: null }), 0), 'infra');
    // an agent that failed before any call reached the proxy never talked to a model
    assert.equal(outcomeOf(c, result({ runner: { ...result().runner!, exitCode: 1 } }), 0), 'infra');
    const cmd = { ...c, runner: { ...c.runner, kind: 'command' as const } };
    assert.equal(outcomeOf(cmd, result({ runner: { ...result().runner!, exitCode: 1 } }), 0), 'error');
  });
});

describe('records.jsonl', () => {
  test('each record goes to record.json and one line, and reads back', async () => {
    const dir = tempDir();
    const log = await RecordsLog.open(dir);
    mkdirSync(path.dirname(cellRecordPath(dir, cellA!.id)), { recursive: true });
    mkdirSync(path.dirname(cellRecordPath(dir, cellB!.id)), { recursive: true });
    await Promise.all([log.write(record(cellA)), log.write(record(cellB))]);
    const f = await readRecordsFile(runPaths(dir).records);
    assert.deepEqual(f.records.map((r) => r.cell).sort(), [cellA!.id, cellB!.id].sort());
    assert.equal(JSON.parse(readFileSync(cellRecordPath(dir, cellA!.id), 'utf8')).cell, cellA!.id);
    assert.equal(readdirSync(path.dirname(cellRecordPath(dir, cellA!.id))).filter((f) => f.endsWith('.tmp')).length, 0);
  });

  test('a torn last line is cut on open, and the cell whose record.json survived is re-appended', async () => {
    const dir = tempDir();
    const a = record(cellA);
    const b = record(cellB);
    mkdirSync(path.dirname(cellRecordPath(dir, b.cell)), { recursive: true });
    writeFileSync(cellRecordPath(dir, b.cell), JSON.stringify(b));
    writeFileSync(runPaths(dir).records, JSON.stringify(a) + '\n' + JSON.stringify(b).slice(0, 80));
    const before = await readRecordsFile(runPaths(dir).records);
    assert.equal(before.tornTail, true);
    assert.equal(before.records.length, 1);

    const log = await RecordsLog.open(dir);
    assert.equal(log.repaired, 1);
    assert.deepEqual([...log.recorded.keys()].sort(), [a.cell, b.cell].sort());
    const after = await readRecordsFile(runPaths(dir).records);
    assert.equal(after.tornTail, false);
    assert.equal(after.badLines, 0);
    assert.equal(after.duplicates, 0);
    assert.equal(after.records.length, 2);
    // opening again changes nothing
    const again = await RecordsLog.open(dir);
    assert.equal(again.repaired, 0);
    assert.equal((await readRecordsFile(runPaths(dir).records)).records.length, 2);
  });

  test('a later line for the same cell replaces an earlier one; a bad middle line is counted', async () => {
    const dir = tempDir();
    const canceled = { ...record(cellA), outcome: 'canceled' as const };
    const redo = record(cellA);
    writeFileSync(runPaths(dir).records, JSON.stringify(canceled) + '\n{not json}\n' + JSON.stringify(redo) + '\n');
    const f = await readRecordsFile(runPaths(dir).records);
    assert.equal(f.records.length, 1);
    assert.equal(f.records[0]!.outcome, 'pass');
    assert.equal(f.duplicates, 1);
    assert.equal(f.badLines, 1);
  });

  test('reading a chunk at a time (lines across chunks, longer than a chunk, multi-byte characters) reads what one chunk reads', async () => {
    const dir = tempDir();
    const cells = plan.cells.slice(0, 6);
    const lines = cells.map((c, i) => JSON.stringify({ ...record(c), runnerReported: { model: `modèle-✓-${'é'.repeat(40 * i)}` } }));
    const body = [lines[0], '', lines[1], '{not json}', '   ', lines[2], lines[3], JSON.stringify({ ...record(cells[0]), outcome: 'canceled' }), lines[4]].join('\n');
    const endings = { newline: `${body}\n`, torn: `${body}\n${lines[5]!.slice(0, 40)}`, 'whole last line': `${body}\n${lines[5]}` };
    for (const [ending, text] of Object.entries(endings)) {
      const file = path.join(dir, `${ending}.jsonl`);
      writeFileSync(file, text);
      const whole = await readRecordsFile(file); // one chunk holds the file
      assert.equal(whole.badLines, 1, ending);
      assert.equal(whole.firstBadLine, 4, ending);
      assert.equal(whole.duplicates, 1, ending);
      assert.equal(whole.records.length, ending === 'whole last line' ? 6 : 5, ending);
      assert.equal(whole.tornTail, ending === 'torn');
      assert.equal(whole.validBytes, ending === 'torn' ? Buffer.byteLength(body) + 1 : Buffer.byteLength(text), ending);
      for (const chunkBytes of [1, 7, 64, 333, 4096]) {
        assert.deepStrictEqual(await readRecordsFile(file, { chunkBytes }), whole, `${ending}, chunks of ${chunkBytes} bytes`);
      }
    }
  });

  test('a whole last line without its newline is kept and the next append starts a new line', async () => {
    const dir = tempDir();
    writeFileSync(runPaths(dir).records, JSON.stringify(record(cellA)));
    const log = await RecordsLog.open(dir);
    assert.equal(log.recorded.size, 1);
    mkdirSync(path.dirname(cellRecordPath(dir, cellB!.id)), { recursive: true });
    await log.write(record(cellB));
    appendFileSync(runPaths(dir).records, '');
    const f = await readRecordsFile(runPaths(dir).records);
    assert.equal(f.records.length, 2);
    assert.equal(f.badLines, 0);
  });
});
