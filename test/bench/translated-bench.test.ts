/**
 * Smoke test of bench/translated.ts: with tiny counts the Claude-Code-sized request goes
 * through agentab translated to OpenAI and to Gemini and passed through to Anthropic (the fake
 * upstream answers only in each provider's own format, so a request that was not translated
 * fails the run), and the report has a row per path and mode. No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { claudeCodeRequest } from '../../bench/lib/claude-code-request.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

test('the benchmark request is Claude-Code-sized: ≈120 kB with 24 tools and tool turns', () => {
  const r = claudeCodeRequest('m', true);
  const bytes = JSON.stringify(r.body).length;
  assert.ok(bytes >= 120_000 && bytes < 140_000, `${bytes} bytes`);
  assert.equal(r.tools, 24);
  assert.ok(r.messages > 4);
  assert.equal(JSON.stringify(claudeCodeRequest('m', true).body), JSON.stringify(r.body), 'deterministic');
});

test('bench/translated.ts runs with tiny counts and reports every path', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'agentab-translated-test-'));
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/translated.ts', '--requests', '4', '--warmup', '1', '--out', out], { cwd: ROOT, timeout: 170_000, maxBuffer: 4 << 20 });
    for (const path of ['Anthropic → OpenAI', 'Anthropic → Gemini \\(Vertex\\)', 'Anthropic → Anthropic']) {
      for (const mode of ['json', 'stream']) assert.match(stdout, new RegExp(`^\\| ${path}[^|]* \\| ${mode} \\| \\d`, 'm'), `${path} ${mode}`);
    }
    const report = JSON.parse(readFileSync(join(out, 'translated-latest.json'), 'utf8')) as { rows: { overheadMs: { count: number } }[]; verdicts: unknown[] };
    assert.equal(report.rows.length, 6);
    for (const row of report.rows) assert.equal(row.overheadMs.count, 4);
    assert.equal(report.verdicts.length, 4);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('--before: a second proxy (here this same checkout) in the same blocks, and the A/B table', { timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'agentab-translated-test-'));
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/translated.ts', '--requests', '2', '--warmup', '1', '--block', '1', '--before', ROOT, '--out', out], { cwd: ROOT, timeout: 230_000, maxBuffer: 4 << 20 });
    assert.match(stdout, /^## This checkout vs .* \(`--before`\)/m);
    assert.match(stdout, /^\| Anthropic → Gemini \(Vertex\) \| stream \| \d+ \| \d+ \| ([\d.]+×|–) \|/m); // CPU in 10 ms ticks: 2 requests may read 0
    const report = JSON.parse(readFileSync(join(out, 'translated-latest.json'), 'utf8')) as { rows: { overheadMs: { count: number } }[]; before?: { rows: { overheadMs: { count: number } }[] } };
    assert.equal(report.before?.rows.length, 6);
    for (const row of [...report.rows, ...report.before!.rows]) assert.equal(row.overheadMs.count, 2);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

