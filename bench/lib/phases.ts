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
import type { MemoryRun, ProfiledLoad } from './report.ts';
import { RssSampler, summarizeRss } from './rss.ts';
import { MODES, PROFILES, type Measurement, type Mode, type UpstreamProfile } from './scenarios.ts';
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

function spec(t: Target, mode: LoadSpec['mode'], concurrency: number, o: BenchOptions): LoadSpec {
  return {
    origin: t.origin,
    path: t.path,
    headers: t.headers,
    model: t.model,
    mode,
    concurrency,
    maxRequests: o.maxRequests,
    maxDurationMs: o.durationMs,
    warmupRequests: Math.max(o.warmupRequests, concurrency),
    warmupMaxDurationMs: o.warmupMs,
  };
}

async function withUpstream<T>(ctx: PhaseContext, profile: UpstreamProfile, tag: string, cpuProfDir: string | undefined, fn: (sim: Service, proxy: Service) => Promise<T>): Promise<T> {
  const sim = ctx.track(await startSim(profile.sim));
  ctx.commands[`sim (${profile.id})`] = sim.commandLine;
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
async function prime(ctx: PhaseContext, t: Target): Promise<void> {
  const o = ctx.opts;
  if (o.primeRequests === 0 || o.primeMs === 0) return;
  await runLoadProcess({
    ...spec(t, 'mixed', 10, o),
    maxRequests: o.primeRequests,
    maxDurationMs: o.primeMs,
    warmupRequests: 0,
    warmupMaxDurationMs: 0,
  });
}

/** Every profile × mode × concurrency × target; targets interleaved within each scenario. */
export async function runGrid(ctx: PhaseContext, portkey: Service | null): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const profile of PROFILES.filter((p) => ctx.opts.upstreams.includes(p.id))) {
    await withUpstream(ctx, profile, profile.id, undefined, async (sim, proxy) => {
      const targets = [directTarget(sim.url), agentabTarget(proxy.url), ...(portkey ? [portkeyTarget(portkey.url, sim.url)] : [])];
      for (const t of targets) await prime(ctx, t);
      for (const mode of MODES) {
        for (const c of ctx.opts.concurrencies) {
          for (const t of targets) {
            const s = spec(t, mode, c, ctx.opts);
            ctx.commands['load generator (example)'] ??= `node --import tsx bench/lib/load-worker.ts '${JSON.stringify(s)}'`;
            const result = await runLoadProcess(s);
            ctx.log.info(`${profile.id} ${mode} c=${c} ${t.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.total.p50?.toFixed(2)} ms, errors ${result.errors}`);
            if (result.errors > 0) ctx.log.warn(`${t.name} errors`, { samples: result.errorSamples });
            out.push({ profile: profile.id, mode, concurrency: c, target: t.name, result });
          }
        }
      }
    });
  }
  return out;
}

/** A long mixed run through agentab, sampling its RSS every second. */
export async function runMemory(ctx: PhaseContext): Promise<MemoryRun> {
  const o = ctx.opts;
  const profile = PROFILES.find((p) => p.id === 'throughput') as UpstreamProfile;
  return withUpstream(ctx, profile, 'memory', undefined, async (_sim, proxy) => {
    const sampler = new RssSampler(proxy.pid, 1000);
    sampler.start();
    const load = await runLoadProcess({
      ...spec(agentabTarget(proxy.url), 'mixed', o.memoryConcurrency, o),
      maxRequests: o.memoryRequests,
      maxDurationMs: o.memoryMaxMs,
      warmupRequests: 0,
      warmupMaxDurationMs: 0,
    });
    const samples = sampler.stop();
    const rss = summarizeRss(samples);
    ctx.log.info(`memory: ${load.completed} requests at ${load.rps.toFixed(0)} req/s; RSS ${rss?.startMb.toFixed(0)} → ${rss?.endMb.toFixed(0)} MB`);
    return { requested: o.memoryRequests, concurrency: o.memoryConcurrency, load, rss, samples };
  });
}

/** The headline loads against a proxy started under `node --cpu-prof`; hotspots per load. */
export async function runProfiles(ctx: PhaseContext): Promise<ProfiledLoad[]> {
  const top = Math.max(...ctx.opts.concurrencies);
  const loads: { profile: UpstreamProfile; mode: Mode }[] = [
    { profile: PROFILES.find((p) => p.id === 'latency') as UpstreamProfile, mode: 'stream' },
    { profile: PROFILES.find((p) => p.id === 'throughput') as UpstreamProfile, mode: 'stream' },
    { profile: PROFILES.find((p) => p.id === 'throughput') as UpstreamProfile, mode: 'json' },
  ];
  const out: ProfiledLoad[] = [];
  for (const [i, { profile, mode }] of loads.entries()) {
    const profDir = join(ctx.dir, `cpuprof-${i}`);
    const { rps, window } = await withUpstream(ctx, profile, `profiled-${profile.id}-${mode}`, profDir, async (_sim, proxy) => {
      const target = agentabTarget(proxy.url);
      await prime(ctx, target);
      // Only samples taken while this load ran count: not start-up, priming or shutdown.
      const fromUs = hrtimeUs();
      const r = await runLoadProcess({ ...spec(target, mode, top, ctx.opts), maxDurationMs: ctx.opts.profileMs });
      return { rps: r.rps, window: { fromUs, toUs: hrtimeUs() } };
    });
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      ctx.log.warn(`no CPU profile written in ${profDir}`);
      continue;
    }
    const summary = summarizeCpuProfile(join(profDir, file), REPO_ROOT, { window });
    out.push({ scenario: `${profile.id} upstream, ${mode}, c=${top}`, rps, summary });
  }
  return out;
}
