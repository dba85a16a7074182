/** Command-line flags of bench/proxy.ts, checked up front. */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { z } from 'zod';
import { PROFILES, type ProfileId } from './scenarios.ts';
import { REPO_ROOT } from './targets.ts';

export interface BenchOptions {
  quick: boolean;
  /** Which upstream profiles to measure (see scenarios.ts). */
  upstreams: ProfileId[];
  concurrencies: number[];
  /** Per target and scenario, summed over rounds: time cap and request cap. */
  durationMs: number;
  /** Targets take turns this many times per scenario (each round gets durationMs / rounds). */
  rounds: number;
  maxRequests: number;
  warmupMs: number;
  warmupRequests: number;
  /** Once per target and upstream profile, before any measurement: a mixed load at c=10. */
  primeRequests: number;
  primeMs: number;
  /** The memory run through agentab. */
  memoryRequests: number;
  memoryConcurrency: number;
  memoryMaxMs: number;
  peer: boolean;
  /** Profile agentab (node --cpu-prof) in an extra phase and print its hotspots. */
  profile: boolean;
  profileMs: number;
  outDir: string;
  /** Keep the temp dir (configs, spend logs, CPU profiles) instead of deleting it. */
  keep: boolean;
}

export const USAGE = `usage: tsx bench/proxy.ts [flags]
  --quick                  short runs (1 s per measurement, no profile minimums, 5k-request memory run)
  --upstreams latency,throughput,streams,added
                           upstream profiles (default all; see bench/lib/scenarios.ts)
  --concurrency 1,16,100   concurrency levels
  --duration-ms N          time cap per target and scenario (default 1600)
  --rounds N               targets take turns N times per scenario (default 2)
  --max-requests N         request cap per target and scenario (default 50000)
  --warmup-ms N            warm-up time per target and scenario (default 400)
  --warmup-requests N      warm-up request cap (default 300)
  --prime-requests N       mixed requests sent to each fresh target first (default 2000)
  --prime-ms N             time cap of that, per target (default 1000)
  --memory-requests N      requests in the memory run (default 100000; 0 = skip)
  --memory-concurrency N   concurrency of the memory run (default 100)
  --memory-max-ms N        time cap of the memory run (default 150000)
  --no-peer                skip the Portkey gateway
  --profile                also CPU-profile agentab under the headline load and list hotspots
  --profile-ms N           length of each profiled load (default 4000)
  --out DIR                where proxy-latest.{json,md} go (default bench/results)
  --keep                   keep the temp dir (spend logs, .cpuprofile files) and print its path`;

/** The first issue's message, which names the flag and the value received. */
function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(r.error.issues[0]?.message ?? r.error.message);
  return r.data;
}

const nonNegativeInt = (flag: string) =>
  z.coerce.number({ error: `${flag}: expected a number` }).int(`${flag}: expected an integer`).nonnegative(`${flag}: must be ≥ 0`);

const concurrencyList = z
  .string()
  .regex(/^\s*[1-9]\d*(\s*,\s*[1-9]\d*)*\s*$/, { error: (iss) => `--concurrency: expected positive integers separated by commas, got "${String(iss.input)}"` })
  .transform((s) => s.split(',').map((x) => Number(x.trim())));

const PROFILE_IDS = PROFILES.map((p) => p.id);
const upstreamList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(z.enum(PROFILE_IDS as [ProfileId, ...ProfileId[]], { error: (iss) => `--upstreams: expected ${PROFILE_IDS.join(' or ')}, got "${String(iss.input)}"` })).min(1));

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      upstreams: { type: 'string' },
      concurrency: { type: 'string' },
      'duration-ms': { type: 'string' },
      rounds: { type: 'string' },
      'max-requests': { type: 'string' },
      'warmup-ms': { type: 'string' },
      'warmup-requests': { type: 'string' },
      'prime-requests': { type: 'string' },
      'prime-ms': { type: 'string' },
      'memory-requests': { type: 'string' },
      'memory-concurrency': { type: 'string' },
      'memory-max-ms': { type: 'string' },
      'no-peer': { type: 'boolean' },
      profile: { type: 'boolean' },
      'profile-ms': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const num = (flag: keyof typeof values, dflt: number): number => {
    const v = values[flag];
    return typeof v === 'string' ? check(nonNegativeInt(`--${flag}`), v) : dflt;
  };
  const o: BenchOptions = {
    quick,
    upstreams: values.upstreams ? check(upstreamList, values.upstreams) : PROFILES.map((p) => p.id),
    concurrencies: values.concurrency ? check(concurrencyList, values.concurrency) : [1, 16, 100],
    durationMs: num('duration-ms', quick ? 1000 : 1600),
    rounds: num('rounds', 2),
    maxRequests: num('max-requests', 50_000),
    warmupMs: num('warmup-ms', quick ? 300 : 400),
    warmupRequests: num('warmup-requests', 300),
    primeRequests: num('prime-requests', quick ? 500 : 2000),
    primeMs: num('prime-ms', 1000),
    memoryRequests: num('memory-requests', quick ? 5_000 : 100_000),
    memoryConcurrency: num('memory-concurrency', 100),
    memoryMaxMs: num('memory-max-ms', 150_000),
    peer: !(values['no-peer'] ?? false),
    profile: values.profile ?? false,
    profileMs: num('profile-ms', 4000),
    outDir: values.out ?? join(REPO_ROOT, 'bench', 'results'),
    keep: values.keep ?? false,
  };
  for (const [flag, v] of [['--duration-ms', o.durationMs], ['--rounds', o.rounds], ['--max-requests', o.maxRequests], ['--memory-concurrency', o.memoryConcurrency]] as const) {
    if (v <= 0) throw new Error(`${flag}: must be > 0, got ${v}`);
  }
  return o;
}
