/**
 * Codex CLI, headless: `codex exec --json --skip-git-repo-check
 * --dangerously-bypass-approvals-and-sandbox --model <alias> <prompt>`, with a private
 * CODEX_HOME whose config.toml declares a model provider `agentab` speaking the Responses API
 * at the cell's proxy prefix (`…/cell/<id>/v1`, so calls go to `…/v1/responses`). The token
 * reaches Codex through an environment variable the provider names (`env_key`), so no file
 * holds it. Everything that would leave the machine is off: analytics, feedback, the plugin
 * and app catalogues (each looks up chatgpt.com or api.github.com at start-up), the update
 * check and the hosted web search tool.
 *
 * Codex does not know the alias, so it runs with its fallback model metadata and offers the
 * model one shell tool (`exec_command`); the simulator then performs file actions as shell
 * commands. Codex has no turn limit to pass `max_turns` to.
 */
import path from 'node:path';
import { parseCodexTranscript } from './transcript.ts';
import { explicitBin, packageBin } from '../resolve-bin.ts';
import type { InvocationContext, Invocation, RunnerAdapter } from '../types.ts';

export const CODEX_PROVIDER = 'agentab';
const TOKEN_VARIABLE = 'AGENTAB_CELL_TOKEN';

/** A TOML basic string (JSON's escaping is a subset TOML accepts for these values). */
const tomlString = (s: string): string => JSON.stringify(s);

export function codexConfig(ctx: InvocationContext): string {
  const { cell, endpoint } = ctx;
  return [
    `model = ${tomlString(cell.model)}`,
    `model_provider = ${tomlString(CODEX_PROVIDER)}`,
    'check_for_update_on_startup = false',
    'web_search = "disabled"',
    '',
    '[features]',
    'plugins = false',
    'apps = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    `[model_providers.${CODEX_PROVIDER}]`,
    'name = "agentab proxy"',
    `base_url = ${tomlString(endpoint.openaiBaseUrl)}`,
    'wire_api = "responses"',
    `env_key = ${tomlString(TOKEN_VARIABLE)}`,
    `http_headers = { "X-Cell-Id" = ${tomlString(cell.id)} }`,
    // one attempt per request: the proxy retries upstream failures itself and records them
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n');
}

export const runner: RunnerAdapter = {
  kind: 'codex',
  jsonTranscript: true,
  limitsTurns: false,
  runs: 'bin',
  artifacts: ['.codex/sessions'],
  resolveBinary: (def) => (def.bin ? explicitBin(def.name, def.bin) : packageBin(def.name, '@openai/codex', 'codex')),
  versionArgv: (bin) => [bin, '--version'],
  parseVersion: (out) => /\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? out.trim(),
  command(ctx: InvocationContext): Invocation {
    const { cell, endpoint } = ctx;
    const codexHome = path.join(ctx.home, '.codex');
    const env: Record<string, string> = {
      HOME: ctx.home,
      CODEX_HOME: codexHome,
      [TOKEN_VARIABLE]: endpoint.token,
    };
    const argv = [
      ctx.bin,
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '--cd',
      ctx.workspace,
      '--model',
      cell.model,
      ...cell.runner.args,
      ...cell.condition.args,
      cell.task.prompt,
    ];
    return { argv, env, files: { [path.join(codexHome, 'config.toml')]: codexConfig(ctx) }, secretEnv: [TOKEN_VARIABLE] };
  },
  parse: parseCodexTranscript,
};
