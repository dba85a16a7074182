/**
 * Two floors and agentab, on the pre-serialised mock upstream, in interleaved rounds of one
 * run: the naive pass-through (bench/lib/naive-gateway.mjs: no parsing at all), the lean
 * measuring gateway (bench/lib/lean-gateway.mjs: parses both JSON bodies and every SSE frame and
 * writes a spend line, as agentab must) and `agentab proxy` with its spend log. What agentab
 * pays above the lean gateway is what its structure costs (routing, retries, deadlines, metrics,
 * phases, error handling), not what measuring costs.
 *
 * `--ladder 0,3,6` adds, in the same rounds, the lean gateway with agentab's own per-request
 * primitives up to each rung given (bench/lib/ladder-gateway.mjs: request parse and splice, usage
 * taps, call record and spend writer, metrics, deadlines and guards, response writer), so one run
 * splits agentab's cost above the lean gateway into its primitives and the pipeline around them.
 *
 * `--unread` adds, in the same rounds, the lean gateway forwarding the answer without reading it (no
 * parse of the JSON answer or of any SSE frame): the lean gateway less what reading the answer
 * costs, the one piece of measuring no gateway that records usage, finish reasons and malformed
 * chunks can skip. Against the naive, it says how much of the distance to the floor is that reading.
 *
 * `--gc` preloads bench/lib/gc-stats.mjs into every gateway and prints, per request and per
 * young-generation collection, what their collections cost and kept alive (a Set of calls in
 * flight once made agentab's keep whole requests: bench/PROFILE.md, twelfth pass).
 *
 *   npx tsx bench/floor.ts [--modes json,stream] [--concurrency 16] [--rounds 8] [--round-ms 600]
 *       [--ladder 0,2,3,6] [--unread] [--cpu-prof DIR] [--gc]
 *
 * Prints gateway CPU µs per request (from /proc: the figure least moved by other load), req/s
 * and p50, each ÷ the naive pass-through's in the same rounds (median of per-round ratios), and
 * each gateway's added p50 (its p50 − the upstream's own, measured directly in the same rounds)
 * ÷ the naive's: at `--concurrency 1`, issue #16's added-latency measure for every floor.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { intFlag, stringFlag } from './lib/flags.ts';
import { runLoadProcess } from './lib/load.ts';
import type { LoadResult, LoadTarget, RequestMode } from './lib/load-spec.ts';
import type { Service } from './lib/service.ts';
import { buildDistIfStale } from './lib/fresh-dist.ts';
import { RUNGS } from './lib/ladder-rungs.mjs';
import { agentabTarget, directTarget, gatewayRunOf, naiveTarget, startAgentab, startLadder, startLean, startMockUpstream, startNaive } from './lib/targets.ts';
import { gcSection } from './lib/gc-report.ts';
import { median } from './lib/latency.ts';

async function main(argv: string[]): Promise<void> {
  const modes = stringFlag(argv, 'modes', 'json,stream').split(',') as RequestMode[];
  for (const mode of modes) if (mode !== 'json' && mode !== 'stream') throw new Error(`--modes: json or stream separated by commas, got "${mode}"`);
  const concurrency = intFlag(argv, 'concurrency', 16);
  const rounds = intFlag(argv, 'rounds', 8);
  const roundMs = intFlag(argv, 'round-ms', 600);
  const profDir = argv.includes('--cpu-prof') ? stringFlag(argv, 'cpu-prof', '') : undefined;
  const gc = argv.includes('--gc');
  const unread = argv.includes('--unread');
  const rungs = argv.includes('--ladder') ? stringFlag(argv, 'ladder', '').split(',').map(Number) : [];
  for (const rung of rungs) {
    if (!Number.isInteger(rung) || rung < 0 || rung >= RUNGS.length) throw new Error(`--ladder: rungs 0–${RUNGS.length - 1} separated by commas (${RUNGS.join(', ')})`);
  }
  // The ladder gateway imports agentab's compiled modules.
  if (rungs.length > 0) buildDistIfStale();
  const dir = mkdtempSync(join(tmpdir(), 'agentab-floor-'));
  const services: Service[] = [];
  // How each gateway runs: under the CPU profiler, with the GC statistics preload, or plain.
  const runOf = (name: string) => gatewayRunOf(name, { profDir, gcDir: gc ? dir : undefined });
  const ladderTarget = (rung: number) => `ladder ${rung} (+${RUNGS[rung]})`;
  const UNREAD = 'lean, answer unread';
  const gateways = [
    { target: 'naive', name: 'naive' },
    { target: 'lean', name: 'lean' },
    ...(unread ? [{ target: UNREAD, name: 'lean-unread' }] : []),
    ...rungs.map((rung) => ({ target: ladderTarget(rung), name: `ladder-${rung}` })),
    { target: 'agentab', name: 'agentab' },
  ];
  const loads = [loadavg()[0] ?? 0];
  try {
    const upstream = await startMockUpstream();
    services.push(upstream);
    const naive = await startNaive(upstream.url, runOf('naive'));
    services.push(naive);
    const lean = await startLean(upstream.url, join(dir, 'lean-spend.jsonl'), runOf('lean'));
    services.push(lean);
    const leanUnread = unread ? await startLean(upstream.url, join(dir, 'lean-unread-spend.jsonl'), runOf('lean-unread'), true) : undefined;
    if (leanUnread) services.push(leanUnread);
    const ladder: LoadTarget[] = [];
    for (const rung of rungs) {
      const gateway = await startLadder(upstream.url, join(dir, `ladder-${rung}-spend.jsonl`), rung, runOf(`ladder-${rung}`));
      services.push(gateway);
      ladder.push({ ...naiveTarget(gateway, upstream), name: ladderTarget(rung) });
    }
    const agentab = await startAgentab({
      routes: [{ alias: 'bench', upstreamUrl: upstream.url }],
      dir,
      tag: 'floor',
      spendLog: join(dir, 'spend.jsonl'),
      ...runOf('agentab'),
    });
    services.push(agentab);
    const targets: LoadTarget[] = [
      naiveTarget(naive, upstream),
      { ...naiveTarget(lean, upstream), name: 'lean' },
      ...(leanUnread ? [{ ...naiveTarget(leanUnread, upstream), name: UNREAD }] : []),
      ...ladder,
      agentabTarget(agentab, upstream, 'bench'),
      // Last, and left out of the table: its p50 turns every gateway's p50 into its added latency.
      directTarget(upstream),
    ];
    // JIT, pools and connections warmed up before anything is measured.
    await runLoadProcess({ targets, mode: 'mixed', concurrency: 10, rounds: 1, roundMaxRequests: 3000, roundMaxDurationMs: 2000, warmupRequests: 0, warmupMaxDurationMs: 0 });
    const lines = [
      `# Floors: naive pass-through, lean measuring gateway, agentab (mock upstream, c=${concurrency})`,
      '',
      '| mode | target | gateway CPU µs/req | ÷ naive | req/s | ÷ naive | p50 ms | added p50 ms (÷ naive) | errors |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: |',
    ];
    for (const mode of modes) {
      const results = await runLoadProcess({
        targets, mode, concurrency, rounds, roundMaxRequests: 50_000, roundMaxDurationMs: roundMs,
        warmupRequests: Math.max(100, concurrency), warmupMaxDurationMs: 300, order: 'alternate',
      });
      loads.push(loadavg()[0] ?? 0);
      const naiveResult = results[0]!;
      const directResult = results.at(-1)!;
      const cpuOf = (r: LoadResult, i: number) => r.rounds[i]!.cpuUsPerRequest['gateway'] ?? NaN;
      // Added latency as bench:proxy defines it: the gateway's p50 − direct's p50 at the same concurrency.
      const addedOf = (r: LoadResult) => (r.total.p50 ?? NaN) - (directResult.total.p50 ?? NaN);
      for (const r of results.slice(0, -1)) {
        const cpu = median(r.rounds.map((_, i) => cpuOf(r, i)));
        const cpuRatio = median(r.rounds.map((_, i) => cpuOf(r, i) / cpuOf(naiveResult, i)));
        const added = `${addedOf(r).toFixed(3)} (${(addedOf(r) / addedOf(naiveResult)).toFixed(2)})`;
        lines.push(`| ${mode} | ${r.target} | ${cpu.toFixed(0)} | ${cpuRatio.toFixed(2)} | ${r.rps.toFixed(0)} | ${(r.rps / naiveResult.rps).toFixed(2)} | ${r.total.p50?.toFixed(2) ?? '–'} | ${added} | ${r.errors} |`);
      }
      lines.push(`| ${mode} | direct (the upstream, no gateway) | – | – | ${directResult.rps.toFixed(0)} | – | ${directResult.total.p50?.toFixed(2) ?? '–'} | – | ${directResult.errors} |`);
    }
    lines.push('', `${new Date().toISOString()} · ${rounds} interleaved rounds × ${roundMs} ms per target · load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}${profDir ? ' · under --cpu-prof' : ''}${gc ? ' · with the GC statistics preload' : ''}`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    for (const service of services.reverse()) await service.stop();
    if (profDir) {
      // A profile covers the whole process, warm-up included: its spend lines, flushed at stop, count the requests it served.
      const served = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0);
      const logs = [['lean', 'lean-spend.jsonl'], ...(unread ? [['lean-unread', 'lean-unread-spend.jsonl']] : []), ...rungs.map((rung) => [`ladder-${rung}`, `ladder-${rung}-spend.jsonl`]), ['agentab', 'spend.jsonl']] as const;
      process.stdout.write(`requests served over each profile: ${logs.map(([name, file]) => `${name} ${served(join(dir, file))}`).join(', ')}\n`);
    }
    if (gc) process.stdout.write(gcSection(dir, gateways));
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`bench/floor: ${(e as Error).message}\n`);
  process.exit(1);
});
