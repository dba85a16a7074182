/**
 * The three phases of a run, each starting and stopping the processes it needs:
 * the scenario grid, the long memory run, and (optionally) CPU-profiled loads.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/util/log.ts';
import { hrtimeUs, summarizeCpuProfile } from './cpuprofile.ts';
import { runLoadProcess } from './load.ts';
import type { LoadSpec } from './load-spec.ts';
import type { BenchOptions } from './options.ts';
import type { GridResult, MemoryRun, ProfiledLoad, SelfReported } from './results.ts';
import { RssSampler, summarizeMemory, summarizeRss } from './rss.ts';
import { HeapAfterGc, HeapAfterGcSampler } from './heap-after-gc.ts';
import { PROFILES, type Measurement, type Mode, type ProfileId, type UpstreamProfile } from './scenarios.ts';
import { freePort, type Service } from './service.ts';
import { spendOverhead } from './spend-overhead.ts';
import { agentabTarget, directTarget, naiveTarget, portkeyTarget, REPO_ROOT, startAgentab, startMockUpstream, startNaive, startSim, type Target } from './targets.ts';

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
const aliasOf = (id: ProfileId): string => `bench-${id}`;

function spec(targets: Target[], mode: LoadSpec['mode'], concurrency: number, o: BenchOptions, p: UpstreamProfile): LoadSpec {
  // --quick is a smoke run: the profiles' minimums (long windows, many rounds) do not apply.
  const durationMs = o.quick ? o.durationMs : Math.max(o.durationMs, p.minDurationMs);
  const rounds = o.quick ? o.rounds : Math.max(o.rounds, p.minRounds);
  return {
    targets,
    mode,
    concurrency,
    rounds,
    roundMaxRequests: Math.max(1, Math.ceil(o.maxRequests / rounds)),
    roundMaxDurationMs: Math.max(1, Math.round(durationMs / rounds)),
    warmupRequests: Math.max(o.warmupRequests, concurrency),
    warmupMaxDurationMs: Math.max(o.warmupMs, p.minWarmupMs),
  };
}

/** One round per target, one measured window of the given size, no warm-up. */
function single(targets: Target[], mode: LoadSpec['mode'], concurrency: number, maxRequests: number, maxDurationMs: number): LoadSpec {
  return { targets, mode, concurrency, rounds: 1, roundMaxRequests: maxRequests, roundMaxDurationMs: maxDurationMs, warmupRequests: 0, warmupMaxDurationMs: 0 };
}

async function startSims(ctx: PhaseContext, ps: readonly UpstreamProfile[]): Promise<Map<ProfileId, Service>> {
  const sims = new Map<ProfileId, Service>();
  for (const p of ps) {
    const sim = ctx.track(p.sim ? await startSim(p.sim) : await startMockUpstream());
    ctx.commands[`${p.sim ? 'sim' : 'mock upstream'} (${p.id})`] = sim.commandLine;
    sims.set(p.id, sim);
  }
  return sims;
}

async function startProxy(ctx: PhaseContext, tag: string, sims: Map<ProfileId, Service>, cpuProfDir?: string, nodeFlags?: string[]): Promise<Service> {
  const routes = [...sims].map(([id, sim]) => ({ alias: aliasOf(id), upstreamUrl: sim.url }));
  const proxy = ctx.track(
    await startAgentab({ routes, dir: ctx.dir, tag, spendLog: join(ctx.dir, `spend-${tag}.jsonl`), ...(cpuProfDir ? { cpuProfDir } : {}), ...(nodeFlags ? { nodeFlags } : {}) }),
  );
  ctx.commands[`agentab (${tag})`] = proxy.commandLine;
  return proxy;
}

async function stopAll(...services: Service[]): Promise<void> {
  for (const s of services) await s.stop();
}

/**
 * A freshly started server is slow for its first thousands of requests (JIT, pools), more
 * so on a busy 2-core machine: a fast mixed stream/json load through every target first.
 */
async function prime(ctx: PhaseContext, targets: Target[]): Promise<void> {
  const o = ctx.opts;
  if (o.primeRequests === 0 || o.primeMs === 0) return;
  await runLoadProcess(single(targets, 'mixed', 10, o.primeRequests, o.primeMs));
}

/**
 * Every profile × mode × concurrency. One agentab process (an alias per simulator) and one
 * Portkey serve the whole grid, so both are equally warm; within a scenario the targets
 * take turns in rounds.
 */
export async function runGrid(ctx: PhaseContext, portkey: Service | null): Promise<GridResult> {
  const ps = PROFILES.filter((x) => ctx.opts.upstreams.includes(x.id));
  const sims = await startSims(ctx, ps);
  const proxy = await startProxy(ctx, 'grid', sims);
  // The floor of any Node gateway, one per simulator (it has no routing).
  const naives = new Map<ProfileId, Service>();
  for (const [id, sim] of sims) {
    const naive = ctx.track(await startNaive(sim.url));
    ctx.commands[`naive pass-through (${id})`] = naive.commandLine;
    naives.set(id, naive);
  }
  const targetsOf = (id: ProfileId): Target[] => {
    const sim = sims.get(id) as Service;
    return [directTarget(sim), naiveTarget(naives.get(id) as Service, sim), agentabTarget(proxy, sim, aliasOf(id)), ...(portkey ? [portkeyTarget(portkey, sim)] : [])];
  };
  const measurements: Measurement[] = [];
  try {
    // Prime through the fastest upstream available: most requests for the same time.
    await prime(ctx, targetsOf(sims.has('throughput') ? 'throughput' : (ps[0] as UpstreamProfile).id));
    for (const p of ps) {
      const targets = targetsOf(p.id);
      for (const mode of p.modes) {
        for (const c of p.concurrencies ?? ctx.opts.concurrencies.filter((x) => x <= (p.maxConcurrency ?? Infinity))) {
          const s = spec(targets, mode, c, ctx.opts, p);
          ctx.commands['load generator (example)'] ??= `node --import tsx bench/lib/load-worker.ts '${JSON.stringify(s)}'`;
          for (const [i, result] of (await runLoadProcess(s)).entries()) {
            const t = targets[i] as Target;
            ctx.log.info(`${p.id} ${mode} c=${c} ${t.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.total.p50?.toFixed(2)} ms, errors ${result.errors}`);
            if (result.errors > 0) ctx.log.warn(`${t.name} errors`, { samples: result.errorSamples });
            measurements.push({ profile: p.id, mode, concurrency: c, target: t.name, result });
          }
        }
      }
    }
  } finally {
    await stopAll(proxy, ...naives.values(), ...sims.values());
  }
  // The proxy has stopped, so its spend log is flushed.
  const selfReported: SelfReported[] = [];
  for (const p of ps) {
    for (const mode of p.modes) {
      const overheadMs = await spendOverhead(join(ctx.dir, 'spend-grid.jsonl'), { alias: aliasOf(p.id), stream: mode === 'stream' });
      selfReported.push({ profile: p.id, mode, overheadMs });
    }
  }
  return { measurements, selfReported };
}

/**
 * A long mixed run through a fresh agentab, sampling its RSS every second and its heap after a
 * full collection every 5 s (over the inspector, on loopback): RSS may keep pages V8 grew into,
 * the heap after a collection is what the proxy still holds.
 */
export async function runMemory(ctx: PhaseContext): Promise<MemoryRun> {
  const o = ctx.opts;
  const sims = await startSims(ctx, [profile('throughput')]);
  const sim = sims.get('throughput') as Service;
  const inspectPort = await freePort();
  const proxy = await startProxy(ctx, 'memory', sims, undefined, [`--inspect=127.0.0.1:${inspectPort}`]);
  const heap = await HeapAfterGc.attach(inspectPort);
  try {
    const sampler = new RssSampler(proxy.pid, 1000);
    const heapSampler = new HeapAfterGcSampler(heap, 5000);
    sampler.start();
    await heapSampler.start();
    const [load] = await runLoadProcess(single([agentabTarget(proxy, sim, aliasOf('throughput'))], 'mixed', o.memoryConcurrency, o.memoryRequests, o.memoryMaxMs));
    const samples = sampler.stop();
    const heapSamples = await heapSampler.stop();
    if (heapSampler.failure) ctx.log.warn(`memory: the heap could not be sampled after ${heapSamples.length} samples: ${heapSampler.failure.message}`);
    if (!load) throw new Error('memory run returned no result');
    const rss = summarizeRss(samples);
    const heapAfterGc = summarizeMemory(heapSamples.map((s) => ({ tMs: s.tMs, mb: s.heapMb })));
    ctx.log.info(
      `memory: ${load.completed} requests at ${load.rps.toFixed(0)} req/s; RSS ${rss?.startMb.toFixed(0)} → ${rss?.endMb.toFixed(0)} MB; heap after full collections ${heapAfterGc?.startMb.toFixed(1)} → ${heapAfterGc?.endMb.toFixed(1)} MB`,
    );
    return { requested: o.memoryRequests, concurrency: o.memoryConcurrency, load, rss, samples, heapAfterGc, heapSamples };
  } finally {
    heap.close();
    await stopAll(proxy, sim);
  }
}

/** The headline loads, each against a proxy started under `node --cpu-prof`; hotspots per load. */
export async function runProfiles(ctx: PhaseContext): Promise<ProfiledLoad[]> {
  const loads: { p: UpstreamProfile; mode: Mode; c: number }[] = [
    { p: profile('streams'), mode: 'stream', c: 100 },
    { p: profile('throughput'), mode: 'stream', c: 100 },
    { p: profile('throughput'), mode: 'json', c: 100 },
  ];
  const out: ProfiledLoad[] = [];
  for (const [i, { p, mode, c }] of loads.entries()) {
    const profDir = join(ctx.dir, `cpuprof-${i}`);
    const sims = await startSims(ctx, [...new Set([profile('throughput'), p])]);
    const proxy = await startProxy(ctx, `profiled-${i}`, sims, profDir);
    let rps = 0;
    let window = { fromUs: 0, toUs: 0 };
    try {
      const fast = sims.get('throughput') as Service;
      await prime(ctx, [agentabTarget(proxy, fast, aliasOf('throughput'))]);
      const sim = sims.get(p.id) as Service;
      // Only samples taken while this load ran count: not start-up, priming or shutdown.
      const fromUs = hrtimeUs();
      const [r] = await runLoadProcess(single([agentabTarget(proxy, sim, aliasOf(p.id))], mode, c, ctx.opts.maxRequests, Math.max(ctx.opts.profileMs, p.minDurationMs)));
      window = { fromUs, toUs: hrtimeUs() };
      rps = r?.rps ?? 0;
    } finally {
      await stopAll(proxy, ...sims.values());
    }
    // Node writes one profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>); thread 0 is main.
    const file = readdirSync(profDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (!file) {
      ctx.log.warn(`no CPU profile written in ${profDir}`);
      continue;
    }
    out.push({ scenario: `${p.label}, ${mode}, c=${c}`, rps, summary: summarizeCpuProfile(join(profDir, file), REPO_ROOT, { window }) });
  }
  return out;
}
