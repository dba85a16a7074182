/** `agentab proxy` and `agentab sim`: run the gateway (or the simulator alone) until a signal. */
import type { Command } from 'commander';
import { loadProxyConfig, defaultProxyConfig, DEFAULT_SIM_OPTIONS } from '../config/proxy-config.ts';
import { processEnv } from '../config/env.ts';
import type { ProxyConfig, SimOptions } from '../config/types.ts';
import { startProxy, type RunningProxy } from '../proxy/index.ts';
import { createLogger, type Level } from '../util/log.ts';

function numberOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a non-negative number, got "${v}"`);
    return n;
  };
}

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

async function serve(config: ProxyConfig, o: { host: string; port: number; spendLog?: string; runId?: string; logLevel: Level; grace: number; banner: string }) {
  const log = createLogger(o.logLevel);
  for (const w of config.warnings ?? []) log.warn(w);
  const proxy = await startProxy({
    config,
    host: o.host,
    port: o.port,
    spendLogPath: o.spendLog ?? null,
    ...(o.runId ? { runId: o.runId } : {}),
    log,
  });
  const aliases = [...new Set(config.deployments.map((d) => `${d.alias} → ${d.provider}/${d.model}`))];
  log.info(`${o.banner} listening on ${proxy.url}`, {
    models: aliases,
    spendLog: o.spendLog ?? null,
    auth: config.masterKey ? 'master key' : 'open',
  });
  // A machine-readable line on stdout so scripts can find the port when --port 0 is used.
  process.stdout.write(`${proxy.url}\n`);
  await stopOnSignals(proxy, log, o.grace);
}

export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('Run the measuring gateway: OpenAI Chat and Anthropic Messages in, any backend out, one spend line per call.')
    .option('-c, --config <file>', 'LiteLLM-style config.yaml (default: the simulator as "shared-model")')
    .option('-p, --port <n>', 'port (0 = any free port)', numberOption('--port'), 4000)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--spend-log <file>', 'append one JSON line per call to this file')
    .option('--run-id <id>', 'run id written on every spend line')
    .option('--log-level <level>', 'debug | info | warn | error', 'info')
    .option('--grace <ms>', 'on SIGTERM, how long in-flight requests may finish', numberOption('--grace'), 10_000)
    .action(async (opts: { config?: string; port: number; host: string; spendLog?: string; runId?: string; logLevel: Level; grace: number }) => {
      const env = processEnv();
      const config = await loadProxyConfig({ ...(opts.config ? { path: opts.config } : {}), env });
      await serve(config, { ...opts, banner: 'agentab proxy' });
    });
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Run the simulated model alone as an OpenAI/Anthropic-compatible upstream (for benchmarks and demos).')
    .option('-p, --port <n>', 'port (0 = any free port)', numberOption('--port'), 4100)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--alias <name>', 'model name it answers to (any name is accepted by the OpenAI route)', 'sim-model')
    .option('--seed <n>', 'random seed', numberOption('--seed'), DEFAULT_SIM_OPTIONS.seed)
    .option('--ttft-ms <ms>', 'base time to first token', numberOption('--ttft-ms'), DEFAULT_SIM_OPTIONS.ttftMs)
    .option('--ttft-ms-per-1k <ms>', 'extra time to first token per 1k prompt tokens', numberOption('--ttft-ms-per-1k'), DEFAULT_SIM_OPTIONS.ttftMsPer1kTokens)
    .option('--tokens-per-second <n>', 'output token rate', numberOption('--tokens-per-second'), DEFAULT_SIM_OPTIONS.tokensPerSecond)
    .option('--answer-tokens <n>', 'tokens in the default answer', numberOption('--answer-tokens'), DEFAULT_SIM_OPTIONS.answerTokens)
    .option('--jitter <x>', 'lognormal sigma of latency jitter', numberOption('--jitter'), DEFAULT_SIM_OPTIONS.jitter)
    .option('--error-rate <p>', 'probability of a 500', numberOption('--error-rate'), 0)
    .option('--rate-limit-rate <p>', 'probability of a 429', numberOption('--rate-limit-rate'), 0)
    .option('--stall-rate <p>', 'probability of a stall before the first token', numberOption('--stall-rate'), 0)
    .option('--spend-log <file>', 'also write spend lines')
    .option('--log-level <level>', 'debug | info | warn | error', 'warn')
    .action(
      async (opts: {
        port: number;
        host: string;
        alias: string;
        seed: number;
        ttftMs: number;
        ttftMsPer1k: number;
        tokensPerSecond: number;
        answerTokens: number;
        jitter: number;
        errorRate: number;
        rateLimitRate: number;
        stallRate: number;
        spendLog?: string;
        logLevel: Level;
      }) => {
        const sim: SimOptions = {
          ...DEFAULT_SIM_OPTIONS,
          seed: opts.seed,
          ttftMs: opts.ttftMs,
          ttftMsPer1kTokens: opts.ttftMsPer1k,
          tokensPerSecond: opts.tokensPerSecond,
          answerTokens: opts.answerTokens,
          jitter: opts.jitter,
          errorRate: opts.errorRate,
          rateLimitRate: opts.rateLimitRate,
          stallRate: opts.stallRate,
        };
        const base = defaultProxyConfig({});
        const config: ProxyConfig = {
          ...base,
          masterKey: undefined,
          router: { ...base.router, numRetries: 0 },
          deployments: base.deployments.map((d) => ({ ...d, alias: opts.alias, id: `${opts.alias}#0`, sim, maxRetries: 0 })),
          anyAlias: true,
        };
        await serve(config, { ...opts, grace: 2000, banner: 'agentab sim' });
      },
    );
}
