/**
 * Smoke test of bench/proxy.ts: with tiny counts it runs end to end (sim, agentab, Portkey,
 * load generator, memory run), prints its tables and writes the JSON and Markdown reports.
 * No timing is asserted: only that every target answered and the report is complete.
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

interface Report {
  measurements: { target: string; profile: string; mode: string; concurrency: number; result: { completed: number; errors: number } }[];
  goals: { name: string; measured: string; verdict: string }[];
  memory: { load: { completed: number; errors: number }; rss: { samples: number } | null; heapAfterGc: { samples: number; endMb: number } | null } | null;
  addedLatency: {
    target: string;
    mode: string;
    n: { gateway: number; direct: number };
    p50: { point: number; lo: number; hi: number } | null;
    vsNaive?: { p50: { ratio: unknown; margin: { point: number; lo: number; hi: number } } | null };
  }[];
}

test('bench/proxy.ts runs with tiny counts and reports every target', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'agentab-bench-test-'));
  try {
    const args = [
      '--import', 'tsx', 'bench/proxy.ts', '--quick', '--upstreams', 'throughput,added', '--concurrency', '2', '--duration-ms', '150', '--max-requests', '20', '--rounds', '3',
      '--warmup-ms', '50', '--warmup-requests', '4', '--prime-requests', '0', '--memory-requests', '40',
      '--memory-concurrency', '2', '--out', out,
    ];
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 110_000, maxBuffer: 4 << 20 });
    assert.match(stdout, /^# Proxy overhead benchmark/m);
    assert.match(stdout, /^\| target \| goal \| measured \| verdict \|$/m);
    for (const target of ['direct', 'naive', 'agentab', 'portkey']) {
      assert.match(stdout, new RegExp(`^\\| stream \\| 2 \\| ${target} \\|`, 'm'), `a streaming row for ${target}`);
      assert.match(stdout, new RegExp(`^\\| json \\| 2 \\| ${target} \\|`, 'm'), `a json row for ${target}`);
    }

    const report = JSON.parse(readFileSync(join(out, 'proxy-latest.json'), 'utf8')) as Report;
    // 2 upstream profiles (the simulator and the mock upstream) × 2 modes × 1 concurrency × 4 targets
    assert.equal(report.measurements.length, 16);
    for (const m of report.measurements) {
      const what = `${m.profile} ${m.mode} ${m.target}`;
      assert.ok(m.result.completed > 0, `${what} completed requests`);
      assert.equal(m.result.errors, 0, `${what} had no errors`);
    }
    assert.deepEqual(report.goals.map((g) => g.name).length, 6);
    for (const g of report.goals) assert.ok(['met', 'not met', 'not measured'].includes(g.verdict), g.verdict);
    assert.equal(report.memory?.load.completed, 40);
    assert.equal(report.memory?.load.errors, 0);
    assert.ok((report.memory?.rss?.samples ?? 0) >= 2, 'RSS sampled at least at start and end');
    // The heap after full collections, read over the proxy's inspector: a live heap of a few MB at least.
    assert.ok((report.memory?.heapAfterGc?.samples ?? 0) >= 2, 'heap sampled at least at start and end');
    assert.ok((report.memory?.heapAfterGc?.endMb ?? 0) > 1, 'a proxy holds more than 1 MB of heap');
    // added latency with bootstrap intervals (mock upstream): 2 modes × 3 gateways, each from the measured requests
    assert.equal(report.addedLatency.length, 6);
    for (const a of report.addedLatency) {
      assert.ok(a.n.gateway > 0 && a.n.direct > 0, `${a.mode} ${a.target} has samples`);
      assert.ok(a.p50 && Number.isFinite(a.p50.point) && a.p50.lo <= a.p50.hi, `${a.mode} ${a.target}: a p50 delta with its interval`);
      // agentab's rows carry the margin to the goal against the naive pass-through, with its interval
      if (a.target === 'agentab') {
        const m = a.vsNaive?.p50?.margin;
        assert.ok(m && Number.isFinite(m.point) && m.lo <= m.hi, `${a.mode}: a p50 margin with its interval`);
      } else assert.equal(a.vsNaive, undefined);
    }
    assert.match(stdout, /^\| json \| 2 \| agentab \| \d+ \/ \d+ \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| [+-]\d/m, 'the added-latency table shows the margin');
    assert.match(stdout, /^## Added latency vs direct/m);
    assert.match(stdout, /^\| added latency vs naive pass-through \|/m);
    const vsNaive = report.goals.find((g) => g.name === 'throughput vs naive pass-through');
    // three rounds per target: each mode's ratio on each upstream gets its per-round interval
    const interval = String.raw`\d+\.\d+× \[\d+\.\d+, \d+\.\d+\] over 3 rounds \((met|missed|within noise)\)`;
    for (const upstream of ['mock upstream', 'ttft-0 simulator']) {
      assert.match(vsNaive?.measured ?? '', new RegExp(`${upstream}, c=2: json ${interval}, stream ${interval}`), upstream);
    }
    assert.equal(readFileSync(join(out, 'proxy-latest.md'), 'utf8').split('\n')[0], '# Proxy overhead benchmark');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
