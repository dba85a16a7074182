/**
 * Cell timelines on transcripts and spend lines the real Claude Code and OpenCode CLIs
 * produced in the pilot (test/fixtures/trace): one span per model call and per tool call,
 * a decomposition that tiles the wall time within its stated tolerance, and a Chrome trace
 * that validates. Also the paths real runs rarely take: a tool cut off by a timeout, a gap no
 * phase explains, clocks that disagree.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCellTimeline, loadCellSpans, type CellTimeline } from '../../src/trace/cell-spans.ts';
import { chromeTrace } from '../../src/trace/chrome-trace.ts';
import { toleranceFor } from '../../src/trace/decompose.ts';
import { CellNotFoundError, resolveCells } from '../../src/trace/resolve-cell.ts';
import { parseRunRecord, type RunRecord } from '../../src/experiment/run-record.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { validateTrace } from './trace-event-validator.ts';

/** A results root (`<experiment>/<runId>/…`) of runs the real CLIs made in the pilot. */
const RESULTS = fileURLToPath(new URL('../fixtures/trace/results/', import.meta.url));
/** Two full pilot runs (2 CLIs × 2 conditions × 4 tasks each), the viewer's fixtures. */
const PILOTS = ['pilot-a', 'pilot-b'].map((r) => fileURLToPath(new URL(`../view/fixtures/${r}/`, import.meta.url)));
const RUNS = [...readdirSync(RESULTS).flatMap((e) => readdirSync(path.join(RESULTS, e)).map((r) => path.join(RESULTS, e, r))), ...PILOTS];

/**
 * Tool calls in a raw transcript, counted without the runners' parsers: Claude Code's distinct
 * `tool_use` content blocks of assistant messages, OpenCode's `tool_use` events.
 */
function toolUsesIn(transcript: string): number {
  const ids = new Set<string>();
  let events = 0;
  for (const line of transcript.split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { type?: string; message?: { content?: unknown } };
    if (j.type === 'tool_use') events++;
    if (j.type === 'assistant' && Array.isArray(j.message?.content)) {
      for (const b of j.message.content as { type?: string; id?: string }[]) if (b.type === 'tool_use' && b.id) ids.add(b.id);
    }
  }
  return ids.size + events;
}

async function allTimelines(): Promise<CellTimeline[]> {
  const out: CellTimeline[] = [];
  for (const run of RUNS) {
    for (const c of readdirSync(path.join(run, 'cells'))) out.push(await loadCellSpans(path.join(run, 'cells', c)));
  }
  return out;
}

function sumParts(t: CellTimeline): number {
  const d = t.decomposition;
  return d.modelMs + d.toolMs + d.harnessMs + d.orchestrationMs + d.unattributedMs;
}

describe('timelines of real pilot cells', () => {
  test('fixtures cover both CLIs', async () => {
    const ts = await allTimelines();
    assert.ok(ts.some((t) => t.record.runner === 'claude'));
    assert.ok(ts.some((t) => t.record.runner === 'opencode'));
  });

  test('span counts equal the model calls and tool calls made', async () => {
    const ts = await allTimelines();
    assert.ok(ts.length >= 39, `${ts.length} cells`);
    for (const t of ts) {
      const transcript = readFileSync(path.join(RUNS.find((r) => t.record.runId === JSON.parse(readFileSync(path.join(r, 'manifest.json'), 'utf8')).runId)!, 'cells', t.record.cell, 'transcript.jsonl'), 'utf8');
      assert.equal(t.spans.filter((s) => s.kind === 'tool').length, toolUsesIn(transcript), `${t.record.cell}: tool spans vs tool_use in the raw transcript`);
      const rr = t.record.runnerReported as { toolCalls: number };
      assert.equal(t.spans.filter((s) => s.kind === 'model').length, t.record.calls, `${t.record.cell}: model spans`);
      assert.equal(t.spans.filter((s) => s.kind === 'tool').length, rr.toolCalls, `${t.record.cell}: tool spans`);
      assert.equal(t.decomposition.modelCalls, t.record.calls);
      assert.equal(t.spans.filter((s) => s.kind === 'cell').length, 1);
      for (const s of t.spans) assert.ok(s.endMs >= s.startMs, `${s.id} ends before it starts`);
    }
  });

  test('the decomposition tiles the wall time within the stated tolerance', async () => {
    for (const t of await allTimelines()) {
      const d = t.decomposition;
      assert.ok(Math.abs(sumParts(t) - t.record.wallMs) < 1, `${t.record.cell}: parts ${sumParts(t)} vs wall ${t.record.wallMs}`);
      assert.equal(d.toleranceMs, Math.round(toleranceFor(t.record.wallMs) * 10) / 10);
      assert.ok(d.unattributedMs + d.outsideMs <= d.toleranceMs, `${t.record.cell}: ${d.unattributedMs} + ${d.outsideMs} ms unexplained > ${d.toleranceMs}`);
      assert.equal(d.withinTolerance, true);
      const shares = Object.values(d.shares).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(shares - 1) < 0.001, `shares add to ${shares}`);
      assert.ok(d.harnessMs > 0);
      assert.equal(d.modelMs > 0, t.record.calls > 0);
      // model time is the union of the calls (they do not overlap in these cells)
      const calls = t.spans.filter((s) => s.kind === 'model' || s.kind === 'request').reduce((a, s) => a + s.endMs - s.startMs, 0);
      assert.ok(Math.abs(d.modelMs - calls) < 1, `model ${d.modelMs} vs calls ${calls}`);
    }
  });

  test('Claude Code tool starts are inferred from the model call before them; OpenCode tool times are measured', async () => {
    for (const t of await allTimelines()) {
      const tools = t.spans.filter((s) => s.kind === 'tool');
      if (tools.length === 0) assert.equal(t.decomposition.toolTiming, 'none');
      else if (t.record.runner === 'claude') {
        assert.ok(tools.every((s) => s.timing === 'inferred'));
        const callEnds = new Set(t.spans.filter((s) => s.kind === 'model').map((s) => s.endMs));
        for (const s of tools) assert.ok(callEnds.has(s.startMs), `${s.name} starts at the end of a model call`);
        assert.equal(t.decomposition.toolTiming, 'inferred');
      } else {
        assert.ok(tools.every((s) => s.timing === 'measured'));
        assert.equal(t.decomposition.toolTiming, 'measured');
      }
      // a tool never runs while the model call that asked for it is still streaming
      for (const s of tools) {
        const overlapping = t.spans.filter((m) => m.kind === 'model' && m.startMs < s.endMs && s.startMs < m.endMs && m.endMs - s.startMs > 5);
        assert.deepEqual(overlapping.map((m) => m.name), [], `${t.record.cell} ${s.name}`);
      }
    }
  });

  test('the Chrome trace validates: required fields, µs timestamps, matched async begin/end, nesting', async () => {
    const ts = await allTimelines();
    const trace = chromeTrace(ts);
    assert.deepEqual(validateTrace(JSON.parse(JSON.stringify(trace))), []);
    const pids = new Set(trace.traceEvents.map((e) => e.pid));
    assert.equal(pids.size, ts.length, 'a process per cell');
    ts.forEach((t, i) => {
      const mine = trace.traceEvents.filter((e) => e.pid === i + 1);
      assert.equal(mine.filter((e) => e.ph === 'b' && e.cat === 'model' && !e.name.startsWith('proxy ')).length, t.record.calls);
      assert.equal(mine.filter((e) => e.ph === 'b' && e.cat === 'tool').length, (t.record.runnerReported as { toolCalls: number }).toolCalls);
      const tokens = mine.filter((e) => e.ph === 'C' && e.name === 'tokens').at(-1);
      const cost = mine.filter((e) => e.ph === 'C' && e.name === 'cost (USD)').at(-1);
      if (t.record.calls === 0) {
        assert.equal(tokens, undefined, 'no counters without calls');
        return;
      }
      assert.equal(tokens?.args?.input, t.record.usage.input, 'the token counter ends at the record\'s total');
      assert.ok(Math.abs(Number(cost?.args?.cost) - t.record.costUsd) < 1e-5);
    });
  });

  test('a run directory and a cell id prefix resolve to their cells', async () => {
    const run = RUNS[0]!;
    const all = await resolveCells(run, { resultsRoot: '/nonexistent' });
    assert.equal(all.kind, 'run');
    assert.equal(all.cellDirs.length, readdirSync(path.join(run, 'cells')).length);
    const one = path.basename(all.cellDirs[0]!);
    const byId = await resolveCells(one.slice(0, 5), { resultsRoot: RESULTS });
    assert.equal(byId.kind, 'cell');
    assert.equal(byId.cellDirs[0], all.cellDirs[0]);
    await assert.rejects(resolveCells('zzzzzz', { resultsRoot: RESULTS }), /no recorded cell/);
    await assert.rejects(resolveCells(path.join(run, 'cells'), { resultsRoot: RESULTS }), /neither a cell directory/);
  });

  test('a whole cell id that ran in several runs names its latest run, and says so', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'agentab-resolve-'));
    try {
      const id = 'e1a3af5274d2';
      for (const [run, at] of [['r-old', 1_000], ['r-new', 3_000], ['r-mid', 2_000]] as const) {
        const dir = path.join(root, 'pilot', run, 'cells', id);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'record.json'), '{}');
        utimesSync(path.join(dir, 'record.json'), at, at);
      }
      const got = await resolveCells(id, { resultsRoot: root });
      assert.deepEqual(got.cellDirs, [path.join(root, 'pilot', 'r-new', 'cells', id)]);
      assert.equal(got.runDir, path.join(root, 'pilot', 'r-new'));
      assert.match(got.note ?? '', /cell e1a3af5274d2 ran in 3 runs; showing the latest, pilot\/r-new \(for another, give its cell directory: pilot\/r-mid\/cells\/e1a3af5274d2, pilot\/r-old\/cells\/e1a3af5274d2\)/);
      assert.deepEqual((await resolveCells('e1a3', { resultsRoot: root })).cellDirs, got.cellDirs, 'a prefix of that one id too');
      mkdirSync(path.join(root, 'pilot', 'r-new', 'cells', 'e1a3ffffffff'), { recursive: true });
      writeFileSync(path.join(root, 'pilot', 'r-new', 'cells', 'e1a3ffffffff', 'record.json'), '{}');
      await assert.rejects(resolveCells('e1a3', { resultsRoot: root }), (e: unknown) => e instanceof CellNotFoundError && e.code === 'cell_ambiguous', 'a prefix of two ids asks for more');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/** A record of a cell that started at t0 with the given phases (offsets in ms). */
function record(o: Partial<RunRecord>): RunRecord {
  return parseRunRecord({
    v: 1, experiment: 'x', runId: 'r', cell: 'c1', runner: 'claude', runnerVersion: null, condition: 'baseline', task: 't', rep: 1,
    launcher: 'local', host: 'h', startedAt: '2026-01-01T00:00:00.000Z', wallMs: 10_000, exitCode: 0, outcome: 'pass', calls: 1,
    usage: { input: 10, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, costUsd: 0, modelMs: 1000, ttftMs: 10, overheadMs: 0,
    runnerReported: { kind: 'claude', toolCalls: 0 }, env: {},
    phases: [
      { name: 'workspace', startMs: 0, durationMs: 100 },
      { name: 'setup', startMs: 100, durationMs: 100 },
      { name: 'runner', startMs: 200, durationMs: 9_600 },
      { name: 'check', startMs: 9_800, durationMs: 200 },
    ],
    ...o,
  });
}

function spendLine(startOffsetMs: number, durationMs: number, o: Partial<SpendRecord> = {}): SpendRecord {
  return {
    v: 1, id: `s${startOffsetMs}`, ts: new Date(Date.parse('2026-01-01T00:00:00.000Z') + startOffsetMs).toISOString(), cell: 'c1', run: 'r', surface: 'anthropic',
    path: '/v1/messages', endpoint: 'messages', alias: 'm', deployment: 'm#0', backend: 'sim', upstreamModel: 'sim', stream: true, status: 200, error: null,
    attempts: 1, ttftMs: 10, durationMs, upstreamMs: durationMs, retryWaitMs: 0, clientWaitMs: 0, overheadMs: 0, usage: { input: 10, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    costUsd: 0, priced: true, finish: 'tool_use', toolCalls: 1, reqBytes: 1, resBytes: 1, client: null, session: null, ...o,
  };
}

const claudeToolUse = (id: string, name: string) => JSON.stringify({ type: 'assistant', message: { id: `msg-${id}`, content: [{ type: 'tool_use', id, name, input: { command: 'sleep 100' } }] } });
const claudeToolResult = (id: string, atOffsetMs: number) =>
  JSON.stringify({ type: 'user', timestamp: new Date(Date.parse('2026-01-01T00:00:00.000Z') + atOffsetMs).toISOString(), message: { content: [{ type: 'tool_result', tool_use_id: id, content: 'done' }] } });

describe('timelines on constructed cells', () => {
  test('each instant is counted once: model over tool over harness over orchestration', () => {
    const transcript = [claudeToolUse('t1', 'Bash'), claudeToolResult('t1', 4_000)].join('\n');
    const t = buildCellTimeline({ record: record({}), spend: [spendLine(1_000, 1_000), spendLine(4_000, 2_000, { finish: 'stop' })], transcript });
    const d = t.decomposition;
    assert.equal(d.modelMs, 3_000);
    assert.equal(d.toolMs, 2_000, 'from the first call\'s end (2 s) to the result (4 s)');
    assert.equal(d.orchestrationMs, 400);
    assert.equal(d.harnessMs, 9_600 - 5_000);
    assert.equal(d.startupMs, 800, 'runner spawn at 200 ms → first call at 1 s');
    assert.equal(d.unattributedMs, 0);
    assert.equal(d.withinTolerance, true);
  });

  test('a tool cut off by a timeout runs until the runner ended, marked unfinished', () => {
    const t = buildCellTimeline({ record: record({ outcome: 'timeout' }), spend: [spendLine(1_000, 1_000)], transcript: claudeToolUse('t1', 'Bash') });
    const tool = t.spans.find((s) => s.kind === 'tool');
    assert.ok(tool);
    assert.equal(tool.attrs.unfinished, true);
    assert.equal(tool.status, 'error');
    assert.equal(tool.endMs - tool.startMs, 9_800 - 2_000);
  });

  test('an interrupted tool without a result ends where the agent made its next model call', () => {
    const transcript = claudeToolUse('t1', 'Bash');
    const t = buildCellTimeline({ record: record({ outcome: 'timeout', calls: 2 }), spend: [spendLine(1_000, 1_000), spendLine(6_000, 500, { finish: 'stop' })], transcript });
    const tool = t.spans.find((s) => s.kind === 'tool')!;
    assert.equal(tool.endMs - Date.parse('2026-01-01T00:00:00.000Z'), 6_000);
    assert.equal(tool.attrs.unfinished, true);
  });

  test('a gap no phase explains is reported, and beyond the tolerance the timeline says it does not tile', () => {
    const phases = [
      { name: 'workspace', startMs: 0, durationMs: 100 },
      { name: 'runner', startMs: 3_000, durationMs: 7_000 },
    ];
    const t = buildCellTimeline({ record: record({ phases }), spend: [], transcript: '' });
    assert.equal(t.decomposition.unattributedMs, 2_900);
    assert.equal(t.decomposition.withinTolerance, false);
  });

  test('model time outside the cell (clocks that disagree) is counted as outside, not as model time', () => {
    const t = buildCellTimeline({ record: record({}), spend: [spendLine(9_500, 2_000)], transcript: '' });
    assert.equal(t.decomposition.modelMs, 500);
    assert.equal(t.decomposition.outsideMs, 1_500);
    assert.equal(t.decomposition.withinTolerance, false);
  });

  test('overlapping calls count once in model time and get their own async ids in the trace', () => {
    const t = buildCellTimeline({ record: record({ calls: 2 }), spend: [spendLine(1_000, 2_000), spendLine(2_000, 2_000)], transcript: '' });
    assert.equal(t.decomposition.modelMs, 3_000);
    const trace = chromeTrace([t]);
    assert.deepEqual(validateTrace(trace), []);
    const ids = trace.traceEvents.filter((e) => e.ph === 'b' && e.cat === 'model').map((e) => e.id);
    assert.equal(new Set(ids).size, 2);
  });

  test('records written before phases were timed get them laid out from their durations', () => {
    const old = record({ phases: undefined, runnerReported: { kind: 'claude', toolCalls: 0, launchMs: 250, phaseMs: { workspace: 100, setup: 100, runner: 9_500, check: 150 } } });
    const t = buildCellTimeline({ record: old, spend: [], transcript: '' });
    assert.equal(t.decomposition.phaseTiming, 'inferred');
    const runner = t.spans.find((s) => s.kind === 'phase' && s.name === 'runner');
    assert.equal(runner!.startMs - Date.parse(old.startedAt), 250);
  });

  test('the validator catches what a broken trace would do', () => {
    assert.match(validateTrace({ traceEvents: [{ name: 'p', ph: 'M', pid: 1, tid: 0 }, { name: 'x', ph: 'b', pid: 1, ts: 1, cat: 'm', id: '1' }] })[0]!, /process_name|unclosed/);
    assert.ok(validateTrace({ traceEvents: [{ name: 'process_name', ph: 'M', pid: 1, tid: 0 }, { name: 'x', ph: 'X', pid: 1, tid: 1, ts: 1.5, dur: 1 }] }).length > 0, 'fractional µs');
    const crossing = [{ name: 'process_name', ph: 'M', pid: 1, tid: 0 }, { name: 'a', ph: 'X', pid: 1, tid: 1, ts: 0, dur: 10 }, { name: 'b', ph: 'X', pid: 1, tid: 1, ts: 5, dur: 10 }];
    assert.match(validateTrace({ traceEvents: crossing }).join(), /overlaps/);
  });
});

test('pilot fixture transcripts carry no secrets (the trace-capture run has planted fake ones)', () => {
  for (const run of RUNS.filter((r) => r.includes(`${path.sep}pilot${path.sep}`))) {
    for (const c of readdirSync(path.join(run, 'cells'))) {
      const text = readFileSync(path.join(run, 'cells', c, 'transcript.jsonl'), 'utf8');
      assert.doesNotMatch(text, /sk-agentab|sk-ant-|Bearer [A-Za-z0-9]/);
    }
  }
});
