/**
 * `agentab proxy` and `agentab sim`: run the gateway (or the simulator alone) until a signal.
 * Their flags are declared in commands/proxy.ts; this module loads only when one runs.
 */
import { defaultProxyConfig } from '../config/default-proxy-config.ts';
import { processEnv, readProxyEnv, type Env } from '../config/env.ts';
import { DEFAULT_SIM_OPTIONS } from '../config/proxy-defaults.ts';
import type { ProxyConfig, SimOptions } from '../config/types.ts';
import { startProxy, type RunningProxy } from '../proxy/index.ts';
import { createLogger, type Level } from '../util/log.ts';
import type { ProxyFlags, SimFlags } from './commands/proxy.ts';

/** Stops the proxy on SIGINT/SIGTERM: in-flight requests finish (grace), the spend log is flushed. */
function stopOnSignals(proxy: RunningProxy, log: ReturnType<typeof createLogger>, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (sig: NodeJS.Signals) => {
      if (stopping) {
        // Requests still in flight get a spend line with a `shutdown` error; every pending line is written before exit.
        proxy.stopNow();
        log.warn(`second ${sig}: exiting now; in-flight requests recorded as shut down`);
        process.exit(130);
      }
      stopping = true;
      log.info(`${sig}: draining in-flight requests (up to ${graceMs} ms) and flushing the spend log`);
      proxy
        .close(graceMs)
        .then(() => log.info('proxy stopped'))
        .catch((e: unknown) => {
          log.error('error while stopping', { error: (e as Error).message });
          process.exitCode = 1;
        })
        .finally(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

interface ServeOptions {
  host: string;
  port: number;
  spendLog?: string;
  runId?: string;
  logLevel: Level;
  grace: number;
  banner: string;
  otlpEndpoint?: string;
  otlpHeader?: Record<string, string>;
  phaseTiming?: boolean;
}

/**
 * The OTLP export: the flags' endpoint over the config's, the flags' headers over the config's.
 * Headers with no endpoint anywhere would be dropped without a word: refused instead.
 */
function otlpOf(config: ProxyConfig, o: ServeOptions): { otlp?: { endpoint: string; headers: Record<string, string> } } {
  const endpoint = o.otlpEndpoint ?? config.otlp?.endpoint;
  if (!endpoint) {
    if (o.otlpHeader) throw new Error('--otlp-header: no OTLP endpoint to send it to; give --otlp-endpoint <url> or general_settings.otlp_endpoint in the config');
    return {};
  }
  return { otlp: { endpoint, headers: { ...config.otlp?.headers, ...o.otlpHeader } } };
}

/** What listening on a bad or busy address fails with. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);

async function serve(config: ProxyConfig, o: ServeOptions) {
  const log = createLogger(o.logLevel);
  for (const w of config.warnings ?? []) log.warn(w);
  const proxy = await startProxy({
    config,
    host: o.host,
    port: o.port,
    spendLogPath: o.spendLog ?? null,
    ...(o.runId ? { runId: o.runId } : {}),
    ...otlpOf(config, o),
    ...(o.phaseTiming === false ? { phaseTiming: false } : {}),
    log,
  }).catch((e: unknown) => {
    // An address it cannot listen on may come from AGENTAB_PROXY_HOST / AGENTAB_PROXY_PORT: name both, with the system's reason.
    if (!LISTEN_ERRORS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
    throw new Error(`cannot listen on ${o.host}:${o.port} (--host/--port, or AGENTAB_PROXY_HOST/AGENTAB_PROXY_PORT): ${(e as Error).message}`, { cause: e });
  });
  const aliases = [...new Set(config.deployments.map((d) => `${d.alias} → ${d.provider}/${d.model}`))];
  log.info(`${o.banner} listening on ${proxy.url}`, {
    models: aliases,
    spendLog: o.spendLog ?? null,
    auth: config.masterKey ? 'master key' : 'open',
    otlp: o.otlpEndpoint ?? config.otlp?.endpoint ?? null,
  });
  // A machine-readable line on stdout so scripts can find the port when --port 0 is used.
  process.stdout.write(`${proxy.url}\n`);
  await stopOnSignals(proxy, log, o.grace);
}

/**
 * The config file's (--config, else AGENTAB_CONFIG), or the default one. The YAML parser and the
 * file's schema load only when there is a file, which keeps `agentab proxy` quick to start.
 */
async function proxyConfigOf(configFlag: string | undefined, env: Env): Promise<ProxyConfig> {
  const path = configFlag ?? readProxyEnv(env).configPath;
  if (path === undefined) return defaultProxyConfig(env);
  return (await import('../config/proxy-config.ts')).loadProxyConfig({ path, env });
}

export async function proxyCommand(flags: ProxyFlags): Promise<void> {
  const env = processEnv();
  const config = await proxyConfigOf(flags.config, env);
  await serve(config, { ...flags, banner: 'agentab proxy' });
}

export async function simCommand(flags: SimFlags): Promise<void> {
  const sim: SimOptions = {
    ...DEFAULT_SIM_OPTIONS,
    seed: flags.seed,
    ttftMs: flags.ttftMs,
    ttftMsPer1kTokens: flags.ttftMsPer1k,
    tokensPerSecond: flags.tokensPerSecond,
    answerTokens: flags.answerTokens,
    jitter: flags.jitter,
    errorRate: flags.errorRate,
    rateLimitRate: flags.rateLimitRate,
    stallRate: flags.stallRate,
    cache: { ...DEFAULT_SIM_OPTIONS.cache, rules: flags.cacheRules },
  };
  const base = defaultProxyConfig({});
  const config: ProxyConfig = {
    ...base,
    masterKey: undefined,
    router: { ...base.router, numRetries: 0 },
    deployments: base.deployments.map((d) => ({ ...d, alias: flags.alias, id: `${flags.alias}#0`, sim, maxRetries: 0 })),
    anyAlias: true,
  };
  await serve(config, { ...flags, grace: 2000, banner: 'agentab sim' });
}
