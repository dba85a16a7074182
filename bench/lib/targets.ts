/**
 * The three things measured: the simulated upstream itself (direct), agentab's proxy in
 * front of it, and the Portkey gateway (from npm) in front of it. Each is a child process.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gcStatsPath } from './gc-report.ts';
import type { LoadTarget } from './load-spec.ts';
import { firstLineUrl, freePort, startService, type Service } from './service.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AGENTAB_BIN = join(REPO_ROOT, 'bin', 'agentab.js');

export type TargetName = 'direct' | 'naive' | 'agentab' | 'portkey';

/** How the load generator reaches one target (a LoadTarget with a known name). */
export interface Target extends LoadTarget {
  name: TargetName;
}

export interface SimSettings {
  ttftMs: number;
  tokensPerSecond: number;
  answerTokens: number;
}

export function startSim(s: SimSettings): Promise<Service> {
  const args = [
    AGENTAB_BIN, 'sim', '--port', '0', '--host', '127.0.0.1', '--jitter', '0', '--log-level', 'warn',
    '--ttft-ms', String(s.ttftMs),
    '--tokens-per-second', String(s.tokensPerSecond),
    '--answer-tokens', String(s.answerTokens),
  ];
  return startService({ name: 'agentab sim', command: process.execPath, args, cwd: REPO_ROOT, ready: firstLineUrl });
}

/** The pre-serialised mock upstream (bench/lib/mock-upstream.ts), for the added-latency rows. */
export function startMockUpstream(): Promise<Service> {
  const args = ['--import', 'tsx', join(REPO_ROOT, 'bench', 'lib', 'mock-upstream.ts')];
  return startService({ name: 'mock upstream', command: process.execPath, args, cwd: REPO_ROOT, ready: firstLineUrl });
}

/** One model alias of the bench proxy and the simulator it forwards to. */
export interface Route {
  alias: string;
  upstreamUrl: string;
}

/** How a gateway under test is run, beyond its own arguments. */
export interface GatewayRun {
  /** Write a V8 CPU profile into this directory when the process exits. */
  cpuProfDir?: string;
  /** Preload bench/lib/gc-stats.mjs, which writes the process's collections and requests here as JSON. */
  gcStatsFile?: string;
}

/** The GatewayRun of the gateway `name` in a bench run: its CPU profile in `profDir/name`, its GC statistics in `gcDir`. */
export function gatewayRunOf(name: string, o: { profDir?: string | undefined; gcDir?: string | undefined }): GatewayRun {
  return { ...(o.profDir ? { cpuProfDir: join(o.profDir, name) } : {}), ...(o.gcDir ? { gcStatsFile: gcStatsPath(o.gcDir, name) } : {}) };
}

/** The node flags of a GatewayRun. */
export function gatewayNodeFlags(run: GatewayRun): string[] {
  const flags = run.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${run.cpuProfDir}`] : [];
  if (run.gcStatsFile) {
    const preload = pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'gc-stats.mjs'));
    preload.searchParams.set('out', run.gcStatsFile);
    flags.push('--import', preload.href);
  }
  return flags;
}

export interface AgentabOptions extends GatewayRun {
  routes: Route[];
  dir: string;
  /** Names the config file, so several proxies can share `dir`. */
  tag: string;
  spendLog: string;
  /** More `agentab proxy` flags (e.g. --no-phase-timing). */
  extraArgs?: string[];
  /** Another checkout of agentab to run (bench/proxy-ab.ts: a build before a change); default this one. */
  root?: string;
  /** More node flags (the memory run: `--inspect=127.0.0.1:<port>`, to read the heap after full collections). */
  nodeFlags?: string[];
}

export function agentabConfigYaml(routes: Route[]): string {
  const lines = ['model_list:'];
  for (const r of routes) {
    lines.push(`  - model_name: ${r.alias}`, `    litellm_params: { model: openai/sim-model, api_base: ${r.upstreamUrl}/v1 }`);
  }
  return lines.join('\n') + '\n';
}

export function startAgentab(o: AgentabOptions): Promise<Service> {
  const config = join(o.dir, `agentab-${o.tag}.yaml`);
  writeFileSync(config, agentabConfigYaml(o.routes));
  const nodeFlags = [...gatewayNodeFlags(o), ...(o.nodeFlags ?? [])];
  const args = [
    ...nodeFlags, o.root ? join(o.root, 'bin', 'agentab.js') : AGENTAB_BIN, 'proxy', '--config', config, '--port', '0', '--host', '127.0.0.1',
    '--spend-log', o.spendLog, '--log-level', 'warn', ...(o.extraArgs ?? []),
  ];
  return startService({ name: 'agentab proxy', command: process.execPath, args, cwd: o.root ?? REPO_ROOT, ready: firstLineUrl });
}

/** The naive pass-through (bench/lib/naive-gateway.mjs) in front of one simulator. */
export function startNaive(upstreamUrl: string, run: GatewayRun = {}): Promise<Service> {
  const args = [...gatewayNodeFlags(run), join(REPO_ROOT, 'bench', 'lib', 'naive-gateway.mjs'), upstreamUrl];
  return startService({ name: 'naive pass-through', command: process.execPath, args, cwd: REPO_ROOT, ready: firstLineUrl });
}

/**
 * The lean measuring gateway (bench/lib/lean-gateway.mjs) in front of one upstream, its spend lines
 * in `spendFile`; `unread`: the same gateway forwarding the answer without reading it.
 */
export function startLean(upstreamUrl: string, spendFile: string, run: GatewayRun = {}, unread = false): Promise<Service> {
  const args = [...gatewayNodeFlags(run), join(REPO_ROOT, 'bench', 'lib', 'lean-gateway.mjs'), upstreamUrl, spendFile, ...(unread ? ['unread'] : [])];
  return startService({ name: unread ? 'lean gateway, answer unread' : 'lean measuring gateway', command: process.execPath, args, cwd: REPO_ROOT, ready: firstLineUrl });
}

/**
 * The lean gateway with agentab's own primitives up to `rung` (bench/lib/ladder-gateway.mjs, which
 * imports dist/: build it first) in front of one upstream, its spend lines in `spendFile`.
 */
export function startLadder(upstreamUrl: string, spendFile: string, rung: number, run: GatewayRun = {}): Promise<Service> {
  const args = [...gatewayNodeFlags(run), join(REPO_ROOT, 'bench', 'lib', 'ladder-gateway.mjs'), upstreamUrl, spendFile, String(rung)];
  return startService({ name: `ladder gateway, rung ${rung}`, command: process.execPath, args, cwd: REPO_ROOT, ready: firstLineUrl });
}

export function naiveTarget(naive: Service, sim: Service): Target {
  return { name: 'naive', origin: naive.url, path: '/v1/chat/completions', headers: {}, model: 'sim-model', cpuPids: { upstream: sim.pid, gateway: naive.pid } };
}

/** Path of Portkey's node entry point (`npm run start:node` runs this file). */
export function portkeyEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
}

/**
 * Portkey takes only `--port=N` (no host flag, so it listens on all interfaces while the
 * bench runs; traffic is still sent to 127.0.0.1 only) and prints "Ready" after a 1 s
 * spinner. `--headless` skips its log UI routes.
 */
export async function startPortkey(): Promise<Service> {
  const port = await freePort();
  return startService({
    name: 'portkey gateway',
    command: process.execPath,
    args: [portkeyEntry(), `--port=${port}`, '--headless'],
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
    ready: (out) => (out.includes('Ready for connections') ? `http://127.0.0.1:${port}` : null),
  });
}

export function directTarget(sim: Service): Target {
  return { name: 'direct', origin: sim.url, path: '/v1/chat/completions', headers: {}, model: 'sim-model', cpuPids: { upstream: sim.pid } };
}

export function agentabTarget(proxy: Service, sim: Service, alias: string): Target {
  return {
    name: 'agentab',
    origin: proxy.url,
    path: '/v1/chat/completions',
    headers: {},
    model: alias,
    cpuPids: { upstream: sim.pid, gateway: proxy.pid },
  };
}

/** Portkey routes by headers: provider openai, custom host = the simulator. */
export function portkeyTarget(portkey: Service, sim: Service): Target {
  return {
    name: 'portkey',
    origin: portkey.url,
    path: '/v1/chat/completions',
    headers: {
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${sim.url}/v1`,
      authorization: 'Bearer sk-bench-not-a-real-key',
    },
    model: 'sim-model',
    cpuPids: { upstream: sim.pid, gateway: portkey.pid },
  };
}
