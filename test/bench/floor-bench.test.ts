/**
 * The lean measuring gateway (bench/lib/lean-gateway.mjs) is a real gateway, not a stub: it
 * forwards the mock upstream's answers byte for byte, JSON and SSE, and writes one spend line per
 * call with the upstream's usage. The ladder gateway (bench/lib/ladder-gateway.mjs) is too, at each
 * rung: from rung 2 on it hides the usage-only chunk the client did not ask for, as agentab does,
 * and from rung 3 on it writes agentab's own spend records. And bench/floor.ts runs end to end with
 * tiny counts, the ladder included. No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { startFakeUpstreams } from '../../bench/lib/fake-upstreams.ts';
import { buildDistIfStale } from '../../bench/lib/fresh-dist.ts';
import { startLadder, startLean } from '../../bench/lib/targets.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

async function post(origin: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await request(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

test('the lean measuring gateway forwards JSON and SSE as the upstream sent them and writes a spend line per call', { timeout: 30_000 }, async () => {
  const upstream = await startFakeUpstreams();
  const dir = mkdtempSync(join(tmpdir(), 'agentab-lean-'));
  const spend = join(dir, 'spend.jsonl');
  const gateway = await startLean(upstream.url, spend);
  try {
    const origin = gateway.url;
    assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    const asked = { model: 'bench-alias', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    for (const stream of [false, true]) {
      const direct = await post(upstream.url, { ...asked, stream });
      const through = await post(origin, { ...asked, stream });
      assert.equal(through.status, 200);
      assert.equal(through.text, direct.text, `the ${stream ? 'SSE' : 'JSON'} answer passes unchanged`);
    }
    // Spend lines are appended in batches (a 200 ms timer).
    let lines: Array<{ alias: string; status: number; usage: { prompt_tokens: number } | null }> = [];
    for (let waited = 0; lines.length < 2 && waited < 5_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      try {
        lines = readFileSync(spend, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      } catch {
        // not written yet
      }
    }
    assert.equal(lines.length, 2, 'one spend line per call');
    for (const line of lines) {
      assert.equal(line.alias, 'bench-alias');
      assert.equal(line.status, 200);
      assert.ok((line.usage?.prompt_tokens ?? 0) > 0, 'the upstream usage is read from the answer (JSON) and from the frames (SSE)');
    }
  } finally {
    await gateway.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the lean gateway told to leave the answer unread forwards it unchanged and writes its line without usage', { timeout: 30_000 }, async () => {
  const upstream = await startFakeUpstreams();
  const dir = mkdtempSync(join(tmpdir(), 'agentab-lean-unread-'));
  const spend = join(dir, 'spend.jsonl');
  const gateway = await startLean(upstream.url, spend, {}, true);
  try {
    const asked = { model: 'bench-alias', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    for (const stream of [false, true]) {
      const direct = await post(upstream.url, { ...asked, stream });
      const through = await post(gateway.url, { ...asked, stream });
      assert.equal(through.status, 200);
      assert.equal(through.text, direct.text, `the ${stream ? 'SSE' : 'JSON'} answer passes unchanged`);
    }
    const lines = await spendLines(spend, 2);
    assert.equal(lines.length, 2, 'one spend line per call');
    for (const line of lines) {
      assert.equal(line.alias, 'bench-alias');
      assert.equal(line.usage, null, 'nothing read from the answer');
    }
  } finally {
    await gateway.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Spend lines of `file` once `count` are there (they are appended in batches). */
async function spendLines(file: string, count: number): Promise<Array<Record<string, unknown>>> {
  let lines: Array<Record<string, unknown>> = [];
  for (let waited = 0; lines.length < count && waited < 5_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not written yet
    }
  }
  return lines;
}

test('the ladder gateway passes the answers through at every rung, hides the usage-only chunk from rung 2 and writes agentab spend records from rung 3', { timeout: 120_000 }, async () => {
  buildDistIfStale(); // it imports agentab's compiled modules
  const upstream = await startFakeUpstreams();
  const dir = mkdtempSync(join(tmpdir(), 'agentab-ladder-'));
  try {
    const asked = { model: 'bench', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    const directJson = await post(upstream.url, { ...asked, stream: false });
    const directSse = await post(upstream.url, { ...asked, stream: true });
    const usageOnly = directSse.text.split('\n\n').find((frame) => frame.includes('"choices":[]'));
    assert.ok(usageOnly, 'the mock stream ends with a usage-only chunk');
    for (const rung of [0, 2, 3, 6]) {
      const spend = join(dir, `spend-${rung}.jsonl`);
      const gateway = await startLadder(upstream.url, spend, rung);
      try {
        const json = await post(gateway.url, { ...asked, stream: false });
        assert.equal(json.status, 200);
        assert.equal(json.text, directJson.text, `rung ${rung}: the JSON answer passes unchanged`);
        const sse = await post(gateway.url, { ...asked, stream: true });
        assert.equal(sse.status, 200);
        const expected: string = rung >= 2 ? directSse.text.replace(`${usageOnly}\n\n`, '') : directSse.text;
        assert.equal(sse.text, expected, `rung ${rung}: the SSE answer passes${rung >= 2 ? ' without the usage-only chunk' : ' unchanged'}`);
        const lines = await spendLines(spend, 2);
        assert.equal(lines.length, 2, `rung ${rung}: one spend line per call`);
        for (const line of lines) {
          if (rung >= 3) {
            // agentab's own spend record, its usage from the taps
            assert.equal(line.v, 1);
            assert.equal(line.alias, 'bench');
            assert.equal(line.upstreamModel, 'sim-model');
            assert.ok(((line.usage as { input: number }).input ?? 0) > 0, `rung ${rung}: usage read by the tap`);
            assert.ok(line.phases && typeof line.overheadMs === 'number', `rung ${rung}: phases and overhead timed`);
          } else {
            // the lean spend line: the upstream's usage as it came (rung 0), or as agentab's taps read it (rung 2)
            assert.equal(line.alias, 'bench');
            const usage = line.usage as { prompt_tokens?: number; input?: number } | null;
            assert.ok(((rung === 0 ? usage?.prompt_tokens : usage?.input) ?? 0) > 0, `rung ${rung}: usage read from the answer`);
          }
        }
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench/floor.ts runs with tiny counts and reports the naive, lean (answer read and unread), ladder and agentab rows, their added latency and their collections', { timeout: 120_000 }, async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/floor.ts', '--rounds', '1', '--round-ms', '150', '--concurrency', '2', '--ladder', '0,6', '--unread', '--gc'], {
    cwd: ROOT,
    timeout: 110_000,
  });
  const targets = ['naive', 'lean', 'lean, answer unread', 'ladder 0 \\(\\+lean\\)', 'ladder 6 \\(\\+writer\\)', 'agentab'];
  for (const mode of ['json', 'stream']) {
    for (const target of targets) {
      const row = new RegExp(`^\\| ${mode} \\| ${target} \\| (\\d+) \\| [\\d.]+ \\| (\\d+) \\| [\\d.]+ \\| [\\d.]+ \\| (-?[\\d.]+) \\((-?[\\d.]+)\\) \\| 0 \\|$`, 'm').exec(stdout);
      assert.ok(row, `a ${mode} row for ${target} with no errors:\n${stdout}`);
      assert.ok(Number(row[1]) > 0 && Number(row[2]) > 0, `${mode} ${target}: CPU per request and req/s measured`);
      assert.ok(Number.isFinite(Number(row[3])) && Number.isFinite(Number(row[4])), `${mode} ${target}: added p50 and its ratio to the naive's`);
      if (target === 'naive') assert.equal(row[4], '1.00', 'the naive is its own baseline');
    }
    assert.match(stdout, new RegExp(`^\\| ${mode} \\| direct \\(the upstream, no gateway\\) \\| – \\| – \\| \\d+ \\| – \\| [\\d.]+ \\| – \\| 0 \\|$`, 'm'), `the upstream measured directly in the ${mode} rounds`);
  }
  // --gc: every gateway's collections, from the preload, with the requests it served.
  for (const target of targets) {
    const row = new RegExp(`^\\| ${target} \\| (\\d+) \\| ([\\d.]+) \\| (\\d+) kB \\| (\\d+) kB \\| ([\\d.]+) µs \\| \\d+ \\(\\d+\\) \\|$`, 'm').exec(stdout);
    assert.ok(row, `a GC row for ${target}:\n${stdout}`);
    assert.ok(Number(row[1]) > 100, `${target}: the requests it served were counted (${row[1]})`);
    assert.ok(Number(row[2]) > 0, `${target}: its young collections were seen`);
  }
});
