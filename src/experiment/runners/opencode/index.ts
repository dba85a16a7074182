/**
 * OpenCode, headless: `opencode run --format json --model agentab/<alias> <prompt>`, with a
 * config declaring an OpenAI-compatible provider that points at the cell's proxy prefix,
 * `small_model` on the same alias (or title calls escape the experiment), its Claude Code
 * compatibility off (so it reads the same context files whichever runner), private XDG dirs.
 */
import path from 'node:path';
import { parseOpencodeTranscript } from './transcript.ts';
import { explicitBin, packageBin } from '../resolve-bin.ts';
import type { InvocationContext, Invocation, RunnerAdapter } from '../types.ts';

export const OPENCODE_PROVIDER = 'agentab';
/** The token reaches opencode through this variable (config `{env:…}`), so no file holds it. */
const TOKEN_VARIABLE = 'AGENTAB_CELL_TOKEN';

export function opencodeConfig(ctx: InvocationContext): Record<string, unknown> {
  const { cell, endpoint } = ctx;
  const model = `${OPENCODE_PROVIDER}/${cell.model}`;
  return {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      [OPENCODE_PROVIDER]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'agentab proxy',
        options: { baseURL: endpoint.openaiBaseUrl, apiKey: `{env:${TOKEN_VARIABLE}}`, headers: { 'X-Cell-Id': cell.id } },
        models: { [cell.model]: { name: cell.model, tool_call: true } },
      },
    },
    enabled_providers: [OPENCODE_PROVIDER],
    model,
    small_model: model,
    autoupdate: false,
    share: 'disabled',
    permission: { edit: 'allow', bash: 'allow', webfetch: 'allow', external_directory: 'allow' },
    agent: { build: { steps: cell.maxTurns } },
  };
}

export const runner: RunnerAdapter = {
  kind: 'opencode',
  jsonTranscript: true,
  limitsTurns: true,
  runs: 'bin',
  artifacts: ['.local/share/opencode/log'],
  resolveBinary: (def) => (def.bin ? explicitBin(def.name, def.bin) : packageBin(def.name, 'opencode-ai', 'opencode')),
  versionArgv: (bin) => [bin, '--version'],
  parseVersion: (out) => /\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? out.trim(),
  command(ctx: InvocationContext): Invocation {
    const { cell, endpoint } = ctx;
    const configFile = path.join(ctx.home, '.config', 'opencode', 'opencode.json');
    const env: Record<string, string> = {
      HOME: ctx.home,
      XDG_CONFIG_HOME: path.join(ctx.home, '.config'),
      XDG_DATA_HOME: path.join(ctx.home, '.local', 'share'),
      XDG_STATE_HOME: path.join(ctx.home, '.local', 'state'),
      XDG_CACHE_HOME: path.join(ctx.home, '.cache'),
      OPENCODE_CONFIG: configFile,
      [TOKEN_VARIABLE]: endpoint.token,
      OPENCODE_DISABLE_CLAUDE_CODE: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_TERMINAL_TITLE: '1',
    };
    const argv = [ctx.bin, 'run', '--format', 'json', '--model', `${OPENCODE_PROVIDER}/${cell.model}`, ...cell.runner.args, ...cell.condition.args, cell.task.prompt];
    const configDir = path.dirname(configFile);
    return {
      argv,
      env,
      files: {
        [configFile]: JSON.stringify(opencodeConfig(ctx), null, 2) + '\n',
        // OpenCode npm-installs @opencode-ai/plugin into every config dir at start-up (in the
        // background, from the registry) unless node_modules exists and the lockfile lists
        // it. We use no plugins, and a per-cell download would put network and CPU noise in
        // every measured run, so the config dir is marked as installed.
        [path.join(configDir, 'package-lock.json')]: JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } }) + '\n',
        [path.join(configDir, 'node_modules', '.agentab')]: 'no plugins installed on purpose (see agentab src/experiment/runners/opencode.ts)\n',
      },
      secretEnv: [TOKEN_VARIABLE],
    };
  },
  parse: parseOpencodeTranscript,
};
