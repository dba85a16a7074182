/**
 * The three phases of a run, each starting and stopping the processes it needs:
 * the scenario grid, the long memory run, and (optionally) a CPU-profiled load.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/util/log.ts';
import { hrtimeUs, summarizeCpuProfile } from './cpuprofile.ts';
import { runLoadProcess } from './load.ts';
import type { LoadSpec } from './load-spec.ts';
import type { BenchOptions } from './options.ts';
import type { GridResult, MemoryRun, ProfiledLoad, SelfReported } from './results.ts';
import { RssSampler, summarizeRss } from './rss.ts';
import { spendOverhead } from './spend-overhead.ts';
import { PROFILES, type Measurement, type Mode, type ProfileId, type UpstreamProfile } from './scenarios.ts';
import type { Service } from './service.ts';
import { agentabTarget, directTarget, portkeyTarget, REPO_ROOT, startAgentab, startSim, type Target } from './targets.ts';

export interface PhaseContext {
  opts: BenchOptions;
  /** Temp dir for configs, spend logs, profiles. */
  dir: string;
  log: Logger;
  /** Command lines, by role, for the report. */
  commands: Record<string, string>;
  /** Started services register here so the caller can stop them on any failure. */
  track: (s: Service) => Service;
}

const profile = (id: ProfileId): UpstreamProfile => PROFILES.find((p) => p.id === id) as UpstreamProfile;

function spec(targets: Target[], mode: LoadSpec['mode'], concurrency: number, o: BenchOptions, p?: UpstreamProfile): LoadSpec {
  const durationMs = Math.max(o.durationMs, p?.minDurationMs ?? 0);
  return {
    targets,
    mode,
    concurrency,
    rounds: o.rounds,
    roundMaxRequests: Math.max(1, Math.ceil(o.maxRequests / o.rounds)),
    roundMaxDurationMs: Math.max(1, Math.round(durationMs / o.rounds)),
    warmupRequests: Math.max(o.warmupRequests, concurrency),
    warmupMaxDurationMs: Math.max(o.warmupMs, p?.minWarmupMs ?? 0),
  };
}

/** One round, one target: a single measured window of the given size, no warm-up. */
function single(t: Target, mode: LoadSpec['mode'], concurrency: number, maxRequests: number, maxDurationMs: number): LoadSpec {
  return { targets: [t], mode, concurrency, rounds: 1, roundMaxRequests: maxRequests, roundMaxDurationMs: maxDurationMs, warmupRequests: 0, warmupMaxDurationMs: 0 };
}

async function withUpstream<T>(ctx: PhaseContext, p: UpstreamProfile, tag: string, cpuProfDir: string | undefined, fn: (sim: Service, proxy: Service) => Promise<T>): Promise<T> {
  const sim = ctx.track(await startSim(p.sim));
  ctx.commands[`sim (${p.id})`] = sim.commandLine;
  const proxy = ctx.track(
    await startAgentab({ upstreamUrl: sim.url, dir: ctx.dir, spendLog: join(ctx.dir, `spend-${tag}.jsonl`), ...(cpuProfDir ? { cpuProfDir } : {}) }),
  );
  ctx.commands[`agentab (${tag})`] = proxy.commandLine;
  try {
    return await fn(sim, proxy);
  } finally {
    await proxy.stop();
    await sim.stop();
  }
}

/**
 * A freshly started server is slow for its first few thousand requests (module loading,
 * JIT, connection pools), more so on a busy 2-core machine; a mixed load first, then the
 * per-scenario warm-up, keeps that out of the figures.
 */
async function prime(ctx: PhaseContext, targets: Target[]): Promise<void> {
  const o = ctx.opts;
  if (o.primeRequests === 0 || o.primeMs === 0) return;
  await runLoadProcess({ ...single(targets[0] as Target, 'mixed', 10, o.primeRequests, o.primeMs), targets });
}

/** Every profile × mode × concurrency; within a scenario the targets take turns in rounds. */
export async function runGrid(ctx: PhaseContext, portkey: Service | null): Promise<GridResult> {
  const out: Measurement[] = [];
  const selfReported: SelfReported[] = [];
  for (const p of PROFILES.filter((x) => ctx.opts.upstreams.includes(x.id))) {
    await withUpstream(ctx, p, p.id, undefined, async (sim, proxy) => {
      const targets = [directTarget(sim), agentabTarget(proxy, sim), ...(portkey ? [portkeyTarget(portkey, sim)] : [])];
      await prime(ctx, targets);
      for (const mode of p.modes) {
        for (const c of p.concurrencies ?? ctx.opts.concurrencies) {
          const s = spec(targets, mode, c, ctx.opts, p);
          ctx.commands['load generator (example)'] ??= `node --import tsx bench/lib/load-worker.ts '${JSON.stringify(s)}'`;
          const results = await runLoadProcess(s);
          for (const [i, result] of results.entries()) {
            const t = targets[i] as Target;
            ctx.log.info(`${p.id} ${mode} c=${c} ${t.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.total.p50?.toFixed(2)} ms, errors ${result.errors}`);
            if (result.errors > 0) ctx.log.warn(`${t.name} errors`, { samples: result.errorSamples });
            out.push({ profile: p.id, mode, concurrency: c, target: t.name, result });
          }
        }
      }
    });
    // The proxy has stopped, so its spend log is flushed.
    for (const mode of p.modes) selfReported.push({ profile: p.id, mode, overheadMs: await spendOverhead(join(ctx.dir, `spend-${p.id}.jsonl`), mode === 'stream') });
  }
  return { measurements: out, selfReported };
}

/** A long mixed run through agentab, sampling its RSS every second. */
export async function runMemory(ctx: PhaseContext): Promise<MemoryRun> {
  const o = ctx.opts;
  return withUpstream(ctx, profile('throughput'), 'memory', undefined, async (sim, proxy) => {
    const sampler = new RssSampler(proxy.pid, 1000);
    sampler.start();
    const [load] = await runLoadProcess(single(agentabTarget(proxy, sim), 'mixed', o.memoryConcurrency, o.memoryRequests, o.memoryMaxMs));
    const samples = sampler.stop();
    if (!load) throw new Error('memory run returned no result');
    const rss = summarizeRss(samples);
    ctx.log.info(`memory: ${load.completed} requests at ${load.rps.toFixed(0)} req/s; RSS ${rss?.startMb.toFixed(0)} → ${rss?.endMb.toFixed(0)} MB`);
    return { requested: o.memoryRequests, concurrency: o.memoryConcurrency, load, rss, samples };
  });
}

/** The headline loads against a proxy started under `node --cpu-prof`; hotspots per load. */
export async function runProfiles(ctx: PhaseContext): Promise<ProfiledLoad[]> {
  const loads: { p: UpstreamProfile; mode: Mode; c: number }[] = [
    { p: profile('streams'), mode: 'stream', c: 100 },
    { p: profile('throughput'), mode: 'stream', c: 100 },
    { p: profile('throughput'), mode: 'json', c: 100 },
  ];
  const out: ProfiledLoad[] = [];
  for (const [i, { p, mode, c }] of loads.entries()) {
    const profDir = join(ctx.dir, `cpuprof-${i}`);
    const { rps, window } = await withUpstream(ctx, p, `profiled-${p.id}-${mode}`, profDir, async (sim, proxy) => {
      const target = agentabTarget(proxy, sim);
      await prime(ctx, [target]);
      // Only samples taken while this load ran count: not start-up, priming or shutdown.
      const fromUs = hrtimeUs();
      const [r] = await runLoadProcess(single(target, mode, c, ctx.opts.maxRequests, Math.max(ctx.opts.profileMs, p.minDurationMs)));
      return { rps: r?.rps ?? 0, window: { fromUs, toUs: hrtimeUs() } };
    });
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      ctx.log.warn(`no CPU profile written in ${profDir}`);
      continue;
    }
    const summary = summarizeCpuProfile(join(profDir, file), REPO_ROOT, { window });
    out.push({ scenario: `${p.label}, ${mode}, c=${c}`, rps, summary });
  }
  return out;
}
