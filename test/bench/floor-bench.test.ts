/**
 * The lean measuring gateway (bench/lib/lean-gateway.mjs) is a real gateway, not a stub: it
 * forwards the mock upstream's answers byte for byte, JSON and SSE, and writes one spend line per
 * call with the upstream's usage. And bench/floor.ts runs end to end with tiny counts. No timing
 * is asserted.
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
import { startLean } from '../../bench/lib/targets.ts';

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

test('bench/floor.ts runs with tiny counts and reports the naive, lean and agentab rows', { timeout: 120_000 }, async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/floor.ts', '--rounds', '1', '--round-ms', '150', '--concurrency', '2'], {
    cwd: ROOT,
    timeout: 110_000,
  });
  for (const mode of ['json', 'stream']) {
    for (const target of ['naive', 'lean', 'agentab']) {
      const row = new RegExp(`^\\| ${mode} \\| ${target} \\| (\\d+) \\| [\\d.]+ \\| (\\d+) \\| [\\d.]+ \\| [\\d.]+ \\| 0 \\|$`, 'm').exec(stdout);
      assert.ok(row, `a ${mode} row for ${target} with no errors:\n${stdout}`);
      assert.ok(Number(row[1]) > 0 && Number(row[2]) > 0, `${mode} ${target}: CPU per request and req/s measured`);
    }
  }
});
