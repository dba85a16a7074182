/**
 * Claude Code, headless: `claude -p <prompt> --output-format stream-json --verbose
 * --dangerously-skip-permissions --max-turns N`, every model variable set to the alias (or
 * background calls escape the experiment), non-essential traffic off, a private HOME.
 */
import path from 'node:path';
import { parseClaudeTranscript } from './transcript.ts';
import { explicitBin, packageBin } from '../resolve-bin.ts';
import type { InvocationContext, Invocation, RunnerAdapter } from '../types.ts';

const MODEL_VARIABLES = [
  'ANTHROPIC_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'CLAUDE_CODE_SUBAGENT_MODEL',
] as const;

export const runner: RunnerAdapter = {
  kind: 'claude',
  jsonTranscript: true,
  limitsTurns: true,
  runs: 'bin',
  artifacts: ['.claude/projects'],
  resolveBinary: (def) => (def.bin ? explicitBin(def.name, def.bin) : packageBin(def.name, '@anthropic-ai/claude-code', 'claude')),
  versionArgv: (bin) => [bin, '--version'],
  parseVersion: (out) => /\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? out.trim(),
  command(ctx: InvocationContext): Invocation {
    const { cell, endpoint } = ctx;
    const env: Record<string, string> = {
      HOME: ctx.home,
      CLAUDE_CONFIG_DIR: path.join(ctx.home, '.claude'),
      // --dangerously-skip-permissions refuses to run as root unless told it is sandboxed
      IS_SANDBOX: '1',
      ANTHROPIC_BASE_URL: endpoint.anthropicBaseUrl,
      ANTHROPIC_AUTH_TOKEN: endpoint.token,
      ANTHROPIC_CUSTOM_HEADERS: `X-Cell-Id: ${cell.id}`,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_BUG_COMMAND: '1',
    };
    for (const v of MODEL_VARIABLES) env[v] = cell.model;
    const argv = [
      ctx.bin,
      '-p',
      cell.task.prompt,
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '--max-turns',
      String(cell.maxTurns),
      '--model',
      cell.model,
      ...cell.runner.args,
      ...cell.condition.args,
    ];
    return { argv, env, files: {}, secretEnv: ['ANTHROPIC_AUTH_TOKEN'] };
  },
  parse: parseClaudeTranscript,
};
