/**
 * Proxy overhead benchmark (issue #2): load at fixed concurrency against `agentab sim` as the
 * upstream, measured in one run directly, through agentab (spend log on) and through the
 * Portkey gateway from npm; then a long memory run through agentab. Prints a Markdown report
 * and writes it with the raw figures to bench/results/proxy-latest.{md,json}.
 *
 *   npm run bench:proxy                 # full run, ~4–5 minutes on 2 cores
 *   npm run bench:proxy -- --quick      # short measurements, 5k-request memory run
 *   npm run bench:proxy -- --profile    # also list agentab's CPU hotspots
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/util/log.ts';
import { addedLatencies } from './lib/added-latency.ts';
import { checkGoals } from './lib/goals.ts';
import { parseOptions, USAGE } from './lib/options.ts';
import { runGrid, runMemory, runProfiles, type PhaseContext } from './lib/phases.ts';
import { renderMarkdown, writeReport } from './lib/report.ts';
import type { BenchReport } from './lib/results.ts';
import { compare, PROFILES } from './lib/scenarios.ts';
import type { Service } from './lib/service.ts';
import { startPortkey } from './lib/targets.ts';

async function main(argv: string[]): Promise<void> {
  const parsed = parseOptions(argv);
  if (parsed === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const opts = parsed;
  const log = createLogger('info');
  const dir = mkdtempSync(join(tmpdir(), 'agentab-bench-'));
  const running = new Set<Service>();
  const ctx: PhaseContext = {
    opts,
    dir,
    log,
    commands: { bench: `npx tsx bench/proxy.ts ${argv.join(' ')}`.trim() },
    track: (s) => (running.add(s), s),
  };
  const stopAll = async () => {
    await Promise.all([...running].map((s) => s.stop(5000)));
  };
  // Ctrl-C: stop our children (by pid) before exiting, so no server is left listening.
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  const loadAvgStart = loadavg();
  try {
    let portkey: Service | null = null;
    if (opts.peer) {
      portkey = ctx.track(await startPortkey());
      ctx.commands['portkey'] = portkey.commandLine;
    }
    // The load while the grid ran, beside the ratios it may have moved.
    const loadSamples = [loadavg()[0] ?? 0];
    const loadTimer = setInterval(() => loadSamples.push(loadavg()[0] ?? 0), 5000);
    let grid: Awaited<ReturnType<typeof runGrid>>;
    try {
      grid = await runGrid(ctx, portkey);
    } finally {
      clearInterval(loadTimer);
    }
    const { measurements, selfReported } = grid;
    const loadAvgDuringGrid: [number, number] = [Math.min(...loadSamples), Math.max(...loadSamples)];
    await portkey?.stop();
    const memory = opts.memoryRequests > 0 ? await runMemory(ctx) : null;
    const hotspots = opts.profile ? await runProfiles(ctx) : [];
    const addedLatency = addedLatencies(measurements);
    const report: BenchReport = {
      version: 1,
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', platform: platform(), loadAvgStart, loadAvgEnd: loadavg(), loadAvgDuringGrid },
      options: opts,
      commands: ctx.commands,
      profiles: PROFILES,
      measurements,
      comparisons: compare(measurements),
      addedLatency,
      selfReported,
      memory,
      goals: checkGoals(measurements, selfReported, memory, memory?.load.completed ?? 0, addedLatency),
      hotspots,
    };
    process.stdout.write(renderMarkdown(report) + '\n');
    const files = writeReport(report, opts.outDir);
    log.info(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`, files);
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (opts.keep) log.info(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench/proxy: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
