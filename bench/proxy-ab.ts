/**
 * Interleaved A/B of two agentab builds on one simulator, the naive pass-through beside them:
 * what a change to the proxy's hot path moved, measured in one run so the machine's load hits
 * every target alike. The gateway's CPU time per request (from /proc) is the figure least
 * moved by other load; req/s and p50 are printed beside it.
 *
 *   npm run build && (cd ../before && npm run build)
 *   npx tsx bench/proxy-ab.ts --before ../before [--modes json,stream] [--concurrency 1,16,100]
 *       [--rounds 6] [--round-ms 600] [--upstream sim|mock] [--cpu-prof DIR] [--gc]
 *
 * `--before` is another checkout of agentab with its own dist/ built (e.g. `git worktree add`
 * of main); this checkout is "after". With `--cpu-prof DIR` both proxies run under
 * `node --cpu-prof` and their hotspots are printed (the profiler inflates every figure: compare
 * shares, not times). `--upstream mock` puts the pre-serialised mock upstream (the one the
 * added-latency rows of bench:proxy use) behind all three instead of the ttft-0 simulator, so
 * the upstream's own CPU does not dilute the difference. `--gc` also prints what each process's
 * young-generation collections kept alive and cost per request (bench/lib/gc-stats.mjs).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hrtimeUs, summarizeCpuProfile } from './lib/cpuprofile.ts';
import { intFlag, stringFlag } from './lib/flags.ts';
import { runLoadProcess } from './lib/load.ts';
import type { LoadResult, LoadTarget } from './lib/load-spec.ts';
import type { Service } from './lib/service.ts';
import { agentabTarget, gatewayRunOf, naiveTarget, REPO_ROOT, startAgentab, startMockUpstream, startNaive, startSim } from './lib/targets.ts';
import { gcSection } from './lib/gc-report.ts';
import { median } from './lib/latency.ts';

const MODES = ['json', 'stream'] as const;
type Mode = (typeof MODES)[number];

function listFlag<T extends string>(argv: string[], name: string, fallback: string, allowed?: readonly T[]): T[] {
  const items = stringFlag(argv, name, fallback).split(',').map((x) => x.trim());
  for (const x of items) {
    if (allowed ? !allowed.includes(x as T) : !/^[1-9]\d*$/.test(x)) {
      throw new Error(`--${name}: expected ${allowed ? allowed.join(' or ') : 'positive integers'} separated by commas, got "${x}"`);
    }
  }
  return items as T[];
}

/** Gateway CPU µs per request in each round, for paired per-round ratios. */
const gatewayCpu = (r: LoadResult): number[] => r.rounds.map((x) => x.cpuUsPerRequest['gateway']).filter((x): x is number => typeof x === 'number');

async function main(argv: string[]): Promise<void> {
  const beforeArg = stringFlag(argv, 'before', '');
  if (!beforeArg) throw new Error('--before <dir>: another checkout of agentab with dist/ built is required');
  const beforeRoot = resolve(beforeArg);
  const modes = listFlag(argv, 'modes', 'json,stream', MODES);
  const concurrencies = listFlag(argv, 'concurrency', '1,16,100').map(Number);
  const rounds = intFlag(argv, 'rounds', 6);
  const roundMs = intFlag(argv, 'round-ms', 600);
  const [upstreamKind] = listFlag(argv, 'upstream', 'sim', ['sim', 'mock'] as const);
  const profDir = argv.includes('--cpu-prof') ? resolve(stringFlag(argv, 'cpu-prof', '')) : undefined;
  const gc = argv.includes('--gc');
  const dir = mkdtempSync(join(tmpdir(), 'agentab-ab-'));
  const runOf = (tag: string) => gatewayRunOf(tag, { profDir, gcDir: gc ? dir : undefined });
  const services: Service[] = [];
  const track = (s: Service) => (services.push(s), s);
  const loads: number[] = [];
  const started = hrtimeUs();
  try {
    const sim = track(upstreamKind === 'mock' ? await startMockUpstream() : await startSim({ ttftMs: 0, tokensPerSecond: 0, answerTokens: 20 }));
    const routes = [{ alias: 'bench', upstreamUrl: sim.url }];
    const proxy = async (tag: 'before' | 'after', root?: string) =>
      track(
        await startAgentab({
          routes,
          dir,
          tag,
          spendLog: join(dir, `spend-${tag}.jsonl`),
          ...(root ? { root } : {}),
          ...runOf(tag),
        }),
      );
    const before = await proxy('before', beforeRoot);
    const after = await proxy('after');
    const naive = track(await startNaive(sim.url, runOf('naive')));
    // The load generator reports by target name: the two agentab builds get their own.
    const labelled: LoadTarget[] = [naiveTarget(naive, sim), { ...agentabTarget(before, sim, 'bench'), name: 'before' }, { ...agentabTarget(after, sim, 'bench'), name: 'after' }];
    // Warm every process up (JIT, pools) before anything is measured.
    await runLoadProcess({ targets: labelled, mode: 'mixed', concurrency: 10, rounds: 1, roundMaxRequests: 3000, roundMaxDurationMs: 1500, warmupRequests: 0, warmupMaxDurationMs: 0 });
    const rows: string[] = [];
    for (const mode of modes) {
      for (const c of concurrencies) {
        loads.push(loadavg()[0] ?? 0);
        const results = await runLoadProcess({
          targets: labelled,
          mode,
          concurrency: c,
          rounds,
          roundMaxRequests: 50_000,
          roundMaxDurationMs: roundMs,
          warmupRequests: Math.max(100, c),
          warmupMaxDurationMs: 300,
          order: 'alternate',
        });
        const [n, b, a] = results as [LoadResult, LoadResult, LoadResult];
        const cpu = (r: LoadResult) => r.cpuUsPerRequest['gateway'] ?? NaN;
        const paired = gatewayCpu(a).map((x, i) => x / (gatewayCpu(b)[i] ?? NaN)).filter(Number.isFinite);
        const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
        rows.push(
          `| ${mode} | ${c} | ${fmt(n.rps)} / ${fmt(b.rps)} / ${fmt(a.rps)} | ${fmt(cpu(n))} / ${fmt(cpu(b))} / ${fmt(cpu(a))} | ` +
            `${fmt(cpu(a) / cpu(b), 2)} (rounds: ${fmt(median(paired), 2)}) | ${fmt(cpu(a) / cpu(n), 2)} | ${fmt(a.rps / n.rps, 2)} | ` +
            `${fmt(n.total.p50 ?? NaN, 2)} / ${fmt(b.total.p50 ?? NaN, 2)} / ${fmt(a.total.p50 ?? NaN, 2)} | ${n.errors + b.errors + a.errors} |`,
        );
        process.stderr.write(`${mode} c=${c}: ${rows.at(-1)}\n`);
      }
    }
    loads.push(loadavg()[0] ?? 0);
    const out = [
      `# agentab A/B: ${beforeRoot} (before) vs ${REPO_ROOT} (after), naive pass-through beside`,
      '',
      `${new Date().toISOString()} · ${rounds} interleaved rounds × ${roundMs} ms per target · ${upstreamKind === 'mock' ? 'pre-serialised mock upstream' : 'ttft-0 simulator'} · load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}${profDir ? ' · under --cpu-prof' : ''}${gc ? ' · with the GC statistics preload' : ''}`,
      '',
      '| mode | c | req/s naive / before / after | gateway CPU µs/req naive / before / after | after ÷ before CPU (median of per-round ratios) | after ÷ naive CPU | after ÷ naive req/s | p50 ms naive / before / after | errors |',
      '| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
      ...rows,
    ];
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    for (const s of services.reverse()) await s.stop();
    if (gc) process.stdout.write(gcSection(dir, ['naive', 'before', 'after'].map((tag) => ({ target: tag, name: tag }))));
    rmSync(dir, { recursive: true, force: true });
  }
  if (profDir) {
    const window = { fromUs: started, toUs: hrtimeUs() };
    for (const tag of ['naive', 'before', 'after']) {
      const file = readdirSync(join(profDir, tag)).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!file) continue;
      const summary = summarizeCpuProfile(join(profDir, tag, file), tag === 'before' ? beforeRoot : REPO_ROOT, { window, top: 25 });
      process.stdout.write(`\n## ${tag}: top self time (idle ${summary.idlePct.toFixed(0)} %)\n\n`);
      for (const f of summary.functions) process.stdout.write(`- ${f.selfPct.toFixed(1)} % ${f.where}${f.via ? ` (via ${f.via})` : ''}\n`);
    }
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench/proxy-ab: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
