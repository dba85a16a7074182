/** Declares `agentab proxy` and `agentab sim`; the work is in ../proxy.ts, loaded when one runs. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_REQUEST_BODY_TIMEOUT_MS,
  DEFAULT_REQUEST_HEADER_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_MAX_MS,
  DEFAULT_SIM_OPTIONS,
} from '../../config/proxy-defaults.ts';
import { SIM_CACHE_RULES, type SimCacheRules } from '../../config/types.ts';
import type { Level } from '../../util/log.ts';
import { logLevelOption } from './log-level.ts';

/** A port: an integer 0–65535 (0 = any free port). Commander names the flag, or the variable it came from. */
function portOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port, an integer 0–65535');
  return n;
}

/**
 * A number within the bounds the config's `sim:` block sets for the same setting
 * (config/proxy-schema.ts RawSimSchema), so a flag takes what the YAML key takes.
 */
function boundedNumber(what: string, ok: (n: number) => boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}
const probability = boundedNumber('a probability, 0 to 1', (n) => n >= 0 && n <= 1);
const wholeNumber = boundedNumber('a whole number, 0 or more', (n) => Number.isInteger(n) && n >= 0);
const integer = boundedNumber('an integer', (n) => Number.isInteger(n));
const nonNegative = boundedNumber('a number, 0 or more', (n) => n >= 0);

export interface ProxyFlags {
  config?: string;
  port: number;
  host: string;
  spendLog?: string;
  runId?: string;
  logLevel: Level;
  grace: number;
  otlpEndpoint?: string;
  otlpHeader?: Record<string, string>;
  /** False with --no-phase-timing. */
  phaseTiming: boolean;
}

/** `--otlp-header name=value`, repeatable. */
function collectHeader(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new Error(`--otlp-header: expected name=value, got "${v.replace(/=.*/, '=…')}"`);
  return { ...prev, [v.slice(0, eq).trim()]: v.slice(eq + 1) };
}

export interface SimFlags {
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
  cacheRules: SimCacheRules;
  spendLog?: string;
  logLevel: Level;
}

export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('Run the measuring gateway: OpenAI Chat and Responses, Anthropic Messages and Gemini in; any backend out; one spend line per call.')
    .option('-c, --config <file>', 'LiteLLM-style config.yaml (default: the simulator as "shared-model")')
    .addOption(new Option('-p, --port <n>', 'port (0 = any free port)').argParser(portOption).default(4000).env('AGENTAB_PROXY_PORT'))
    .addOption(new Option('--host <addr>', 'address to listen on').default('127.0.0.1').env('AGENTAB_PROXY_HOST'))
    .option('--spend-log <file>', 'append one JSON line per call to this file')
    .option('--run-id <id>', 'run id written on every spend line')
    .addOption(logLevelOption('info'))
    .option('--grace <ms>', 'on SIGTERM, how long in-flight requests may finish', nonNegative, 10_000)
    .option('--otlp-endpoint <url>', 'export a span per call (GenAI conventions) to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318')
    .option('--otlp-header <name=value>', 'header of the OTLP export requests (repeatable)', collectHeader)
    .option('--no-phase-timing', "do not record the proxy's own phases of each call in the spend log")
    .addHelpText(
      'after',
      `
Config: a LiteLLM config.yaml loads as pasted; keys agentab does not use are warnings (file:line),
deployments of providers it cannot route (azure, bedrock, …) are skipped with a warning.

Limits (general_settings, defaults):
  max_request_size_mb          32 (MiB, Anthropic's own request limit) → 413
  request_body_timeout_ms      ${DEFAULT_REQUEST_BODY_TIMEOUT_MS} (the whole body must arrive) → 408
  request_header_timeout_ms    ${DEFAULT_REQUEST_HEADER_TIMEOUT_MS} (a connection must send its request headers)
  idle_timeout_ms              ${DEFAULT_IDLE_TIMEOUT_MS} (idle keep-alive connections are closed)
  max_connections              ${DEFAULT_MAX_CONNECTIONS} (more client connections are closed at once)
Retries (router_settings): an upstream Retry-After is waited out up to retry_after_max_ms
(${DEFAULT_RETRY_AFTER_MAX_MS}); a longer one is answered to the client at once.
On SIGINT/SIGTERM in-flight requests get --grace ms; a second signal exits at once after
writing every spend line (cut requests are recorded with a "shutdown" error).`,
    )
    .action(async (flags: ProxyFlags) => (await import('../proxy.ts')).proxyCommand(flags));
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Run the simulated model alone as an OpenAI/Anthropic-compatible upstream (for benchmarks and demos).')
    .option('-p, --port <n>', 'port (0 = any free port)', portOption, 4100)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--alias <name>', 'model name it answers to (any name is accepted by the OpenAI route)', 'sim-model')
    .option('--seed <n>', 'random seed', integer, DEFAULT_SIM_OPTIONS.seed)
    .option('--ttft-ms <ms>', 'base time to first token', nonNegative, DEFAULT_SIM_OPTIONS.ttftMs)
    .option('--ttft-ms-per-1k <ms>', 'extra time to first token per 1k prompt tokens', nonNegative, DEFAULT_SIM_OPTIONS.ttftMsPer1kTokens)
    .option('--tokens-per-second <n>', 'output token rate (0: no pacing, every token at once)', nonNegative, DEFAULT_SIM_OPTIONS.tokensPerSecond)
    .option('--answer-tokens <n>', 'tokens in the default answer', wholeNumber, DEFAULT_SIM_OPTIONS.answerTokens)
    .option('--jitter <x>', 'lognormal sigma of latency jitter, 0 to 1', probability, DEFAULT_SIM_OPTIONS.jitter)
    .option('--error-rate <p>', 'probability of a 500', probability, 0)
    .option('--rate-limit-rate <p>', 'probability of a 429', probability, 0)
    .option('--stall-rate <p>', 'probability of a stall before the first token', probability, 0)
    .addOption(
      new Option('--cache-rules <rules>', "whose prompt caching to follow (auto: the dialect of each request)")
        .choices(SIM_CACHE_RULES)
        .default(DEFAULT_SIM_OPTIONS.cache.rules),
    )
    .option('--spend-log <file>', 'also write spend lines')
    .addOption(logLevelOption('warn'))
    .action(async (flags: SimFlags) => (await import('../proxy.ts')).simCommand(flags));
}
