/**
 * Smoke test of bench/trace-overhead.ts: with tiny counts it runs end to end (one simulator, a
 * proxy with phase timing and one without, the load generator in its own process), checks that
 * the "on" proxy's spend lines carry phases and the "off" one's do not, and writes its report.
 * No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

test('bench/trace-overhead.ts runs with tiny counts, both ways, and reports ratios with intervals', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'agentab-trace-bench-test-'));
  try {
    const args = ['--import', 'tsx', 'bench/trace-overhead.ts', '--rounds', '6', '--epochs', '3', '--round-ms', '200', '--warmup-ms', '300', '--concurrency', '2', '--record-calls', '300', '--record-blocks', '8', '--out', out];
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 110_000, maxBuffer: 1 << 20 });
    assert.match(stdout, /^\| throughput, req\/s \(median of rounds\) \| \d+ \| \d+ \| [\d.]+ \[[\d.]+, [\d.]+\] \|$/m);
    assert.match(stdout, /load average [\d.]+ [\d.]+ [\d.]+ before/);
    const result = JSON.parse(readFileSync(join(out, 'trace-overhead-latest.json'), 'utf8')) as {
      rps: { on: number[]; off: number[]; ratio: { ratio: number; lo: number; hi: number } };
      spendLines: { on: { lines: number; withPhases: number }; off: { lines: number; withPhases: number } };
      recordCpuUsPerCall: { on: number[]; off: number[] };
      epochs: { onStartedFirst: boolean; rounds: number; rpsRatio: number }[];
      acrossEpochs: { rps: { ratio: number; lo: number; hi: number; epochs: number; verdict: string } | null };
    };
    // three fresh proxy pairs, the "on" process started first, second, first
    assert.deepEqual(result.epochs.map((e) => [e.onStartedFirst, e.rounds]), [[true, 2], [false, 2], [true, 2]]);
    assert.equal(result.rps.on.length, 6);
    assert.equal(result.rps.off.length, 6);
    // the across-epochs ratio is the geometric mean of the three epochs' ratios, inside its interval
    const across = result.acrossEpochs.rps!;
    assert.equal(across.epochs, 3);
    const geometricMean = Math.exp(result.epochs.reduce((sum, e) => sum + Math.log(e.rpsRatio), 0) / 3);
    assert.ok(Math.abs(across.ratio - geometricMean) < 1e-9 * geometricMean);
    assert.ok(across.lo <= across.ratio && across.ratio <= across.hi);
    assert.match(stdout, /^Across epochs \(each fresh process pair one observation/m);
    // pinned where taskset and two CPUs exist (this machine, CI), and the report says which
    assert.match(stdout, /· (proxies pinned to CPU \d+, upstream and load generator to CPU [\d-]+|unpinned) ·/);
    assert.ok(result.rps.ratio.lo <= result.rps.ratio.ratio && result.rps.ratio.ratio <= result.rps.ratio.hi);
    assert.ok(result.spendLines.on.lines > 0 && result.spendLines.on.withPhases === result.spendLines.on.lines, 'every "on" spend line has phases');
    assert.ok(result.spendLines.off.lines > 0 && result.spendLines.off.withPhases === 0, 'no "off" spend line has phases');
    assert.equal(result.recordCpuUsPerCall.on.length, 8);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench/trace-overhead.ts --control runs two timing-off proxies (A/A) and writes the control file', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'agentab-trace-bench-test-'));
  try {
    const args = ['--import', 'tsx', 'bench/trace-overhead.ts', '--control', '--rounds', '4', '--epochs', '1', '--round-ms', '200', '--warmup-ms', '300', '--concurrency', '2', '--record-calls', '300', '--record-blocks', '4', '--out', out];
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 110_000, maxBuffer: 1 << 20 });
    assert.match(stdout, /A\/A control/);
    const result = JSON.parse(readFileSync(join(out, 'trace-overhead-control-latest.json'), 'utf8')) as {
      settings: { control: boolean };
      spendLines: { on: { lines: number; withPhases: number }; off: { lines: number; withPhases: number } };
    };
    assert.equal(result.settings.control, true);
    assert.ok(result.spendLines.on.lines > 0 && result.spendLines.on.withPhases === 0, 'the second process wrote no phases');
    assert.ok(result.spendLines.off.lines > 0 && result.spendLines.off.withPhases === 0);
    assert.throws(() => readFileSync(join(out, 'trace-overhead-latest.json')), /ENOENT/, 'a control does not overwrite the on/off result');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
