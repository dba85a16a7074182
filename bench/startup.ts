/**
 * CLI start-up benchmark (issue #16): wall time of `agentab --version`, `agentab --help` and
 * `agentab proxy` until it is ready to serve (its URL line on stdout), for the compiled CLI
 * (dist/), for the sources through tsx (what every command cost before dist/ shipped), and for
 * `node -e 0`, the floor any Node CLI pays — interleaved round by round, in one run. Builds
 * dist/ first when it is not up to date with src/. Writes bench/results/startup-latest.{md,json}.
 *
 *   npm run bench:startup                       # 20 rounds (5 for the tsx sources)
 *   npm run bench:startup -- --rounds 40 --src-rounds 3
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildDistIfStale } from './lib/fresh-dist.ts';
import { processCpuMs, reapedChildrenCpuMs } from './lib/cpu-time.ts';
import { intFlag } from './lib/flags.ts';
import { summarizeLatencies } from './lib/latency.ts';
import type { LatencySummary } from './lib/load-spec.ts';
import { REPO_ROOT } from './lib/targets.ts';

const BIN = join(REPO_ROOT, 'bin', 'agentab.js');
export const GOALS_MS = { '--version': 300, '--help': 300, 'proxy ready': 500 } as const;
type Command = keyof typeof GOALS_MS;
type Code = 'dist' | 'src' | 'node -e 0';

function argsFor(command: Command): string[] {
  if (command === 'proxy ready') return ['proxy', '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn'];
  return [command];
}

interface Timing {
  wallMs: number;
  /** CPU the command used until exit (or, for the proxy, until ready); null without /proc. */
  cpuMs: number | null;
}

/** Wall time from spawn to exit (--version, --help) or to the first stdout line (proxy: its URL), and CPU time. */
async function timeOnce(code: Code, command: Command): Promise<Timing> {
  const args = code === 'node -e 0' ? ['-e', '0'] : [BIN, ...argsFor(command)];
  const env = { ...process.env, AGENTAB_RUN_FROM: code === 'node -e 0' ? '' : code };
  const cpu0 = reapedChildrenCpuMs();
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = once(child, 'exit');
  if (command === 'proxy ready' && code !== 'node -e 0') {
    const lines = createInterface({ input: child.stdout });
    const [line] = (await Promise.race([once(lines, 'line'), exited.then(() => [null])])) as [string | null];
    const wallMs = performance.now() - started;
    const cpuMs = child.pid === undefined ? null : processCpuMs(child.pid);
    if (!line?.startsWith('http://')) throw new Error(`agentab proxy (${code}) did not get ready:\n${stderr}`);
    child.kill('SIGTERM');
    await exited;
    return { wallMs, cpuMs };
  }
  child.stdout.resume();
  const [status] = (await exited) as [number | null];
  const wallMs = performance.now() - started;
  if (status !== 0) throw new Error(`${code} ${args.join(' ')} exited with ${status}:\n${stderr}`);
  const cpu1 = reapedChildrenCpuMs();
  return { wallMs, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

interface Row {
  code: Code;
  command: Command;
  summary: LatencySummary;
  cpu: LatencySummary;
}

async function main(argv: string[]): Promise<void> {
  const rounds = intFlag(argv, 'rounds', 20);
  const srcRounds = intFlag(argv, 'src-rounds', 5);
  const loadAvgStart = loadavg();
  buildDistIfStale();
  const commands = Object.keys(GOALS_MS) as Command[];
  const samples = new Map<string, number[]>();
  const cpuSamples = new Map<string, number[]>();
  const key = (code: Code, command: Command) => `${code}|${command}`;
  for (let round = 0; round < rounds; round++) {
    // interleaved: every variant in every round, so load drift hits all of them alike
    const plan: [Code, Command][] = [['node -e 0', '--version']];
    for (const command of commands) {
      plan.push(['dist', command]);
      if (round < srcRounds) plan.push(['src', command]);
    }
    for (const [code, command] of plan) {
      const t = await timeOnce(code, command);
      const list = samples.get(key(code, command)) ?? [];
      list.push(t.wallMs);
      samples.set(key(code, command), list);
      const cpuList = cpuSamples.get(key(code, command)) ?? [];
      if (t.cpuMs !== null) cpuList.push(t.cpuMs);
      cpuSamples.set(key(code, command), cpuList);
    }
    process.stderr.write(`round ${round + 1}/${rounds}\r`);
  }
  process.stderr.write('\n');
  const rows: Row[] = [...samples].map(([k, xs]) => {
    const [code, command] = k.split('|') as [Code, Command];
    return { code, command, summary: summarizeLatencies(xs), cpu: summarizeLatencies(cpuSamples.get(k) ?? []) };
  });
  const p50 = (code: Code, command: Command) => rows.find((r) => r.code === code && r.command === command)?.summary.p50 ?? null;
  const floor = p50('node -e 0', '--version');
  const cpuP50 = (code: Code, command: Command) => rows.find((r) => r.code === code && r.command === command)?.cpu.p50 ?? null;
  const floorCpu = cpuP50('node -e 0', '--version');
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(0));
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);
  const loadAvgEnd = loadavg();
  const goals = commands.map((command) => {
    const measured = p50('dist', command);
    return { command, targetMs: GOALS_MS[command], p50Ms: measured, met: measured !== null && measured <= GOALS_MS[command] };
  });
  const md = [
    '# agentab start-up',
    '',
    `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs, load average ${loadAvgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${loadAvgEnd.map((x) => x.toFixed(2)).join(' ')} at the end; ${rounds} interleaved rounds (${Math.min(srcRounds, rounds)} for the tsx sources). Wall time from spawn to exit, or for \`proxy\` to its URL line (ready to serve).`,
    '',
    '| command | compiled p50 / p90 (ms) | sources via tsx p50 (ms) | compiled vs tsx | compiled vs `node -e 0` | CPU p50: compiled / tsx / `node -e 0` (ms) | goal (p50) |',
    '|---|---|---|---|---|---|---|',
    ...commands.map((command) => {
      const dist = rows.find((r) => r.code === 'dist' && r.command === command)?.summary;
      const goal = goals.find((g) => g.command === command);
      return `| \`agentab ${argsFor(command).join(' ')}\` | ${fmt(dist?.p50 ?? null)} / ${fmt(dist?.p90 ?? null)} | ${fmt(p50('src', command))} | ${ratio(p50('dist', command), p50('src', command))} | ${ratio(p50('dist', command), floor)} | ${fmt(cpuP50('dist', command))} / ${fmt(cpuP50('src', command))} / ${fmt(floorCpu)} | ≤ ${GOALS_MS[command]} ms: ${goal?.met ? 'met' : 'not met'} |`;
    }),
    '',
    `\`node -e 0\` (the floor of any Node process here): p50 ${fmt(floor)} ms wall, ${fmt(floorCpu)} ms CPU. CPU time (10 ms resolution) is what a loaded machine changes least; for \`proxy\` it is the CPU used until ready.`,
    '',
  ].join('\n');
  process.stdout.write(md);
  const out = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'startup-latest.md'), md);
  writeFileSync(
    join(out, 'startup-latest.json'),
    JSON.stringify({ version: 1, date: new Date().toISOString(), machine: { node: process.version, cpus: cpus().length, loadAvgStart, loadAvgEnd }, rounds, srcRounds, rows, goals }, null, 2) + '\n',
  );
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench/startup: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
