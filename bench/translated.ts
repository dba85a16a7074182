/**
 * The translated path (issue #16): a Claude-Code-sized Anthropic Messages request (≈120 kB,
 * 24 tools; bench/lib/claude-code-request.ts) sent to `agentab proxy` and answered by an
 * OpenAI-compatible upstream (Anthropic → OpenAI) and by Vertex Gemini (Anthropic → Gemini),
 * non-streamed and streamed. What is measured is the proxy's own `overheadMs` from its spend
 * log (request duration minus the time spent waiting on the upstream), with bootstrap CIs of
 * its p50 and p99. The same request passed through to an Anthropic upstream (no translation)
 * is measured in the same rounds as the baseline. Like a Claude Code session, every request
 * resends the same history and ends in a turn of its own (new bytes, with the cache mark);
 * `--same-body` sends one body over and over instead. The paths take turns in blocks of a few
 * requests at concurrency 1, so a busy machine's drift hits all of them alike; each block also
 * reads the proxy's CPU time from /proc, which gives CPU per request per path — the figure
 * least moved by other load on the machine.
 *
 *   npx tsx bench/translated.ts                    # 400 requests per path and mode (≈ 1–2 min)
 *   npx tsx bench/translated.ts --requests 1000 --warmup 100 --block 20 --out DIR
 *   npx tsx bench/translated.ts --profile DIR      # also write the proxy's V8 CPU profile to DIR
 *   npx tsx bench/translated.ts --same-body        # the very same request every time
 *   npx tsx bench/translated.ts --before ../old    # A/B: also a proxy built from another checkout,
 *                                                  # taking turns with this one in every block
 *
 * Writes bench/results/translated-latest.{md,json}. The proxy runs compiled (dist/, built
 * first when it is not up to date) with its spend log and metrics on, as users run it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { buildDistIfStale } from './lib/fresh-dist.ts';
import { iterSpendLog } from '../src/proxy/spend/reader.ts';
import { quantileCi, type Interval } from './lib/bootstrap.ts';
import { processCpuMs } from './lib/cpu-time.ts';
import { claudeCodeRequest, turnMessages } from './lib/claude-code-request.ts';
import { startFakeUpstreams } from './lib/fake-upstreams.ts';
import { intFlag, stringFlag } from './lib/flags.ts';
import { summarizeLatencies } from './lib/latency.ts';
import type { LatencySummary } from './lib/load-spec.ts';
import { firstLineUrl, startService, type Service } from './lib/service.ts';
import { REPO_ROOT } from './lib/targets.ts';

/** Turn numbers of the newest turn start here (the history's own turns are numbered from 1). */
const FIRST_NEW_TURN = 1000;

/** Issue #16's targets for the proxy's own time on the translated paths. */
export const GOALS = { p50Ms: 0.5, p99Ms: 2 } as const;

const PATHS = [
  { alias: 'to-openai', label: 'Anthropic → OpenAI', translated: true },
  { alias: 'to-gemini', label: 'Anthropic → Gemini (Vertex)', translated: true },
  { alias: 'to-anthropic', label: 'Anthropic → Anthropic (pass-through, baseline)', translated: false },
] as const;
type Alias = (typeof PATHS)[number]['alias'];

function configYaml(upstream: string): string {
  return `model_list:
  - model_name: to-openai
    litellm_params: { model: openai/gpt-bench, api_base: ${upstream}/v1, api_key: sk-bench-not-a-real-key }
  - model_name: to-gemini
    litellm_params: { model: vertex_ai/gemini-2.5-pro, api_base: ${upstream}, vertex_project: bench, vertex_location: us-central1, api_key: ya29.bench-not-a-real-token }
  - model_name: to-anthropic
    litellm_params: { model: anthropic/claude-bench, api_base: ${upstream}, api_key: sk-ant-bench-not-a-real-key }
`;
}

interface Target {
  name: 'this' | 'before';
  root: string;
  proxy: Service;
  pool: Pool;
  spendLog: string;
  /** Proxy CPU ms over measured blocks, and their request counts, per `alias|stream`. */
  cpu: Map<string, { ms: number | null; requests: number }>;
}

interface Row {
  alias: Alias;
  label: string;
  stream: boolean;
  translated: boolean;
  overheadMs: LatencySummary;
  p50Ci: Interval | null;
  p99Ci: Interval | null;
  /** Median of each of the proxy's phases (read, route, …, log), ms. */
  phasesP50: Record<string, number>;
  /** Median of the spend record's clientWaitMs (the client's upload, within `read`; not in overheadMs), ms. */
  clientWaitP50: number;
  /** The proxy process's CPU time per request of this path (user + system, /proc), µs; null without /proc. */
  cpuUsPerRequest: number | null;
  requestBytes: number;
}

function cpuPerRequest(acc: { ms: number | null; requests: number } | undefined): number | null {
  return acc && acc.ms !== null && acc.requests > 0 ? (acc.ms * 1000) / acc.requests : null;
}

const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
const ci = (x: Interval | null) => (x ? `${fmt(x.point)} [${fmt(x.lo)}, ${fmt(x.hi)}]` : 'n/a');

/** One row per path and mode from a proxy's spend log (each path's first `warmup` records left out) and its CPU blocks. */
async function readRows(t: Target, warmup: number, requestBytes: number): Promise<Row[]> {
  // Records in the order the proxy finished them; each (alias, mode) in order of sending.
  const seen = new Map<string, number>();
  interface Samples {
    overhead: number[];
    clientWait: number[];
    phases: Map<string, number[]>;
  }
  const samples = new Map<string, Samples>();
  const empty = (): Samples => ({ overhead: [], clientWait: [], phases: new Map() });
  for await (const r of iterSpendLog(t.spendLog)) {
    const key = `${r.alias}|${r.stream}`;
    const k = (seen.get(key) ?? 0) + 1;
    seen.set(key, k);
    if (k <= warmup) continue;
    if (r.status !== 200) throw new Error(`a measured request failed: ${r.alias} ${r.status} ${r.error?.message ?? ''}`);
    const s = samples.get(key) ?? empty();
    samples.set(key, s);
    s.overhead.push(r.overheadMs);
    s.clientWait.push(r.clientWaitMs);
    for (const [phase, ms] of Object.entries(r.phases ?? {})) {
      const xs = s.phases.get(phase) ?? [];
      s.phases.set(phase, xs);
      xs.push(ms);
    }
  }
  const rows: Row[] = [];
  for (const p of PATHS) {
    for (const stream of [false, true]) {
      const s = samples.get(`${p.alias}|${stream}`) ?? empty();
      rows.push({
        alias: p.alias,
        label: p.label,
        stream,
        translated: p.translated,
        overheadMs: summarizeLatencies(s.overhead),
        p50Ci: quantileCi(s.overhead, 0.5),
        p99Ci: quantileCi(s.overhead, 0.99),
        phasesP50: Object.fromEntries([...s.phases].map(([phase, xs]) => [phase, summarizeLatencies(xs).p50 ?? 0])),
        clientWaitP50: summarizeLatencies(s.clientWait).p50 ?? 0,
        cpuUsPerRequest: cpuPerRequest(t.cpu.get(`${p.alias}|${stream}`)),
        requestBytes,
      });
    }
  }
  return rows;
}

/** The A/B table of `--before`: the other checkout's proxy and this one, measured in the same blocks. */
function beforeAfterTable(after: Row[], before: Row[], beforeRoot: string): string[] {
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
  return [
    `## This checkout vs ${beforeRoot} (\`--before\`), the same blocks, taking turns`,
    '',
    'Proxy CPU per request is comparable across versions. overheadMs is only if both versions define it alike: before 2026-11-28 it also held the client\'s upload of the body and left out the proxy\'s work between upstream chunks.',
    '',
    '| path | mode | CPU µs/request before | after | after ÷ before | overheadMs p50 before | after | after ÷ before |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
    ...after.map((a) => {
      const b = before.find((x) => x.alias === a.alias && x.stream === a.stream);
      return `| ${a.label} | ${a.stream ? 'stream' : 'json'} | ${fmt(b?.cpuUsPerRequest, 0)} | ${fmt(a.cpuUsPerRequest, 0)} | ${ratio(a.cpuUsPerRequest, b?.cpuUsPerRequest ?? null)} | ${fmt(b?.overheadMs.p50)} | ${fmt(a.overheadMs.p50)} | ${ratio(a.overheadMs.p50, b?.overheadMs.p50 ?? null)} |`;
    }),
  ];
}

async function main(argv: string[]): Promise<void> {
  const requests = intFlag(argv, 'requests', 400);
  const warmup = intFlag(argv, 'warmup', 50);
  const block = intFlag(argv, 'block', 10);
  const out = stringFlag(argv, 'out', join(REPO_ROOT, 'bench', 'results'));
  const profileDir = stringFlag(argv, 'profile', '');
  const beforeRoot = stringFlag(argv, 'before', '');
  const sameBody = argv.includes('--same-body');
  const loadAvgStart = loadavg();
  buildDistIfStale();
  const dir = mkdtempSync(join(tmpdir(), 'agentab-translated-'));
  const upstream = await startFakeUpstreams();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, configYaml(upstream.url));
  /** This checkout's proxy, and with --before another checkout's (its dist/ must be built), measured in the same blocks. */
  const targets: Target[] = [];
  const roots: Array<[Target['name'], string]> = [['this', REPO_ROOT], ...(beforeRoot ? [['before', beforeRoot] as [Target['name'], string]] : [])];
  for (const [name, root] of roots) {
    const spendLog = join(dir, `spend-${name}.jsonl`);
    const proxy = await startService({
      name: `agentab proxy (${name})`,
      command: process.execPath,
      args: [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)] : []), join(root, 'bin', 'agentab.js'), 'proxy', '--config', config, '--port', '0', '--host', '127.0.0.1', '--spend-log', spendLog, '--log-level', 'warn'],
      cwd: root,
      env: { ...process.env, AGENTAB_RUN_FROM: 'dist' },
      ready: firstLineUrl,
    });
    targets.push({ name, root, proxy, spendLog, pool: new Pool(proxy.url, { connections: 1, keepAliveTimeout: 60_000 }), cpu: new Map() });
  }
  // Serialised once per alias and mode (the client's own JSON work stays out of the rounds):
  // the history, with the place of the newest turn cut out, which each request fills anew.
  const bodies = new Map<string, { head: string; tail: string }>();
  let requestBytes = 0;
  const newestTurn = '\u0000newest turn';
  for (const p of PATHS) {
    for (const stream of [false, true]) {
      const request = claudeCodeRequest(p.alias, stream).body;
      const text = JSON.stringify({ ...request, messages: [...(request.messages as unknown[]), newestTurn] });
      const [head, tail] = text.split(`,${JSON.stringify(newestTurn)}`) as [string, string];
      bodies.set(`${p.alias}|${stream}`, { head, tail });
      requestBytes = Buffer.byteLength(bodyText(head, tail, 1));
    }
  }
  /** The body of the `turn`th request: the history, then a new turn with the cache mark (`--same-body`: always the first one). */
  function bodyText(head: string, tail: string, turn: number): string {
    const [assistant, user] = turnMessages(FIRST_NEW_TURN + (sameBody ? 0 : turn), true);
    return `${head},${JSON.stringify(assistant)},${JSON.stringify(user)}${tail}`;
  }
  let sent = 0;
  const send = async (target: Target, alias: Alias, stream: boolean): Promise<void> => {
    const { head, tail } = bodies.get(`${alias}|${stream}`)!;
    const res = await target.pool.request({
      path: '/v1/messages',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-bench-client' },
      body: bodyText(head, tail, sent++),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${alias} (${stream ? 'stream' : 'json'}): HTTP ${res.statusCode}: ${text.slice(0, 500)}`);
  };
  const started = performance.now();
  try {
    // Warm-up requests go first and are left out below by count (each path's first `warmup`).
    for (let round = 0; round < warmup; round++) for (const t of targets) for (const p of PATHS) for (const stream of [false, true]) await send(t, p.alias, stream);
    for (let done = 0, blockIndex = 0; done < requests; done += block, blockIndex++) {
      const n = Math.min(block, requests - done);
      for (const p of PATHS) {
        for (const stream of [false, true]) {
          // With two proxies, which goes first alternates from block to block.
          const order = blockIndex % 2 === 0 ? targets : [...targets].reverse();
          for (const t of order) {
            const key = `${p.alias}|${stream}`;
            const before = processCpuMs(t.proxy.pid);
            for (let i = 0; i < n; i++) await send(t, p.alias, stream);
            const after = processCpuMs(t.proxy.pid);
            const acc = t.cpu.get(key) ?? { ms: 0, requests: 0 };
            acc.ms = acc.ms === null || before === null || after === null ? null : acc.ms + after - before;
            acc.requests += n;
            t.cpu.set(key, acc);
          }
        }
      }
      process.stderr.write(`${done + n}/${requests} requests per path and mode\r`);
    }
  } finally {
    for (const t of targets) {
      await t.pool.close();
      await t.proxy.stop(10_000);
    }
    await upstream.close();
  }
  process.stderr.write('\n');
  const rows = await readRows(targets[0]!, warmup, requestBytes);
  const beforeRows = targets[1] ? await readRows(targets[1], warmup, requestBytes) : [];
  const baseline = (stream: boolean) => rows.find((r) => !r.translated && r.stream === stream) ?? null;
  const translated = rows.filter((r) => r.translated);
  const goals = translated.map((r) => ({
    path: `${r.label}, ${r.stream ? 'stream' : 'json'}`,
    p50Ms: r.overheadMs.p50,
    p99Ms: r.overheadMs.p99,
    met: r.overheadMs.p50 !== null && r.overheadMs.p99 !== null && r.overheadMs.p50 <= GOALS.p50Ms && r.overheadMs.p99 <= GOALS.p99Ms,
  }));
  const loadAvgEnd = loadavg();
  const phaseNames = [...new Set(rows.flatMap((r) => Object.keys(r.phasesP50)))];
  const worst = (pick: (r: Row) => number | null) => Math.max(...translated.map((r) => pick(r) ?? Infinity));
  const worstP50 = worst((r) => r.overheadMs.p50);
  const worstP99 = worst((r) => r.overheadMs.p99);
  const busy = Math.max(loadAvgStart[0] ?? 0, loadAvgEnd[0] ?? 0) > cpus().length / 2;
  const verdictLine = (label: string, value: number, goal: number) => `${label} ${fmt(value)} ms (goal ≤ ${goal} ms): **${value <= goal ? 'met' : 'not met'}**`;
  const ratioOf = (r: Row, pick: (x: Row) => number | null) => {
    const b = baseline(r.stream);
    const a = pick(r);
    const base = b ? pick(b) : null;
    return r.translated && a !== null && base !== null && base > 0 ? `${(a / base).toFixed(2)}×` : '–';
  };
  const md = [
    '# agentab translated path: the proxy\'s own time (overheadMs)',
    '',
    `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs, load average ${loadAvgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${loadAvgEnd.map((x) => x.toFixed(2)).join(' ')} at the end. ${requests} requests per path and mode after ${warmup} warm-ups, concurrency 1, paths taking turns in blocks of ${block}; request body ${(requestBytes / 1000).toFixed(0)} kB (Claude Code 2.1.197's system prompt and 24 tools, plus tool turns), ${sameBody ? 'the same body on every request (`--same-body`)' : 'each request ending in a new turn that carries the cache mark, after the same history, as a Claude Code session sends them'}; spend log and metrics on. Intervals: 95 % percentile bootstrap (2,000 resamples).`,
    '',
    '## Goals (issue #16)',
    '',
    `- Worst translated path: ${verdictLine('overheadMs p50', worstP50, GOALS.p50Ms)}; ${verdictLine('p99', worstP99, GOALS.p99Ms)}.`,
    busy
      ? `- Load average ${Math.max(loadAvgStart[0] ?? 0, loadAvgEnd[0] ?? 0).toFixed(1)} on ${cpus().length} CPUs: other processes took the CPU in the middle of requests, so these milliseconds (the p99 above all) say more about the machine than about the proxy; the CPU per request below is the comparison to trust.`
      : `- Load average at most ${Math.max(loadAvgStart[0] ?? 0, loadAvgEnd[0] ?? 0).toFixed(1)} on ${cpus().length} CPUs: a quiet machine, the milliseconds stand.`,
    '',
    '| path | mode | overheadMs p50 [95 % CI] | p90 | p99 [95 % CI] | p50 × pass-through | proxy CPU µs/request | CPU × pass-through | goal (p50 ≤ 0.5, p99 ≤ 2 ms) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const goal = r.translated ? (goals.find((g) => g.path === `${r.label}, ${r.stream ? 'stream' : 'json'}`)?.met ? 'met' : 'not met') : '–';
      return `| ${r.label} | ${r.stream ? 'stream' : 'json'} | ${ci(r.p50Ci)} | ${fmt(r.overheadMs.p90)} | ${ci(r.p99Ci)} | ${ratioOf(r, (x) => x.overheadMs.p50)} | ${fmt(r.cpuUsPerRequest, 0)} | ${ratioOf(r, (x) => x.cpuUsPerRequest)} | ${goal} |`;
    }),
    '',
    `Where the time went (p50 of each phase, ms; \`connect\`, \`firstByte\` and \`stream\` are mostly the upstream's; \`read\` holds the client's upload of the body, shown apart as \`clientWaitMs\`, which overheadMs leaves out): `,
    '',
    `| path | mode | ${phaseNames.join(' | ')} | clientWaitMs |`,
    `|---|---|${phaseNames.map(() => '---').join('|')}|---|`,
    ...rows.map((r) => `| ${r.label} | ${r.stream ? 'stream' : 'json'} | ${phaseNames.map((n) => fmt(r.phasesP50[n])).join(' | ')} | ${fmt(r.clientWaitP50)} |`),
    '',
    'Proxy CPU per request: the proxy process\'s user + system time from /proc around each block of one path\'s requests (10 ms ticks, averaged over the blocks), so it includes the HTTP server, the spend log and the metrics.',
    ...(beforeRows.length ? ['', ...beforeAfterTable(rows, beforeRows, beforeRoot)] : []),
    '',
    `Took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    '',
  ].join('\n');
  process.stdout.write(md);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'translated-latest.md'), md);
  writeFileSync(
    join(out, 'translated-latest.json'),
    JSON.stringify({ version: 1, date: new Date().toISOString(), machine: { node: process.version, cpus: cpus().length, loadAvgStart, loadAvgEnd }, requests, warmup, block, sameBody, goals: GOALS, rows, verdicts: goals, ...(beforeRows.length ? { before: { root: beforeRoot, rows: beforeRows } } : {}) }, null, 2) + '\n',
  );
  rmSync(dir, { recursive: true, force: true });
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench/translated: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
