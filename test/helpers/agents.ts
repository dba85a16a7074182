/**
 * Runs the real Claude Code and OpenCode CLIs (installed from npm as dependencies) headless
 * and offline against a local proxy, each in its own temporary HOME.
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../node_modules/.bin/', import.meta.url).pathname;

export interface AgentRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (stream-json / --format json events). */
  events: Record<string, unknown>[];
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t) as Record<string, unknown>);
    } catch {
      // progress lines that are not JSON
    }
  }
  return out;
}

/** One agent CLI run against the proxy, as cell `cellId` asking for model `alias`. */
export interface AgentRunOptions {
  baseUrl: string;
  token: string;
  cwd: string;
  prompt: string;
  alias: string;
  cellId: string;
  extraHeaders?: Record<string, string>;
  /** Extra environment of the CLI (e.g. DISABLE_PROMPT_CACHING=1 for Claude Code). */
  env?: Record<string, string>;
}

export async function runClaude(o: AgentRunOptions & { maxTurns?: number }): Promise<AgentRun> {
  const home = mkdtempSync(join(tmpdir(), 'agentab-claude-home-'));
  const headers = { 'X-Cell-Id': o.cellId, ...(o.extraHeaders ?? {}) };
  const r = await execa(
    join(BIN, 'claude'),
    ['-p', o.prompt, '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', '--max-turns', String(o.maxTurns ?? 8)],
    {
      cwd: o.cwd,
      reject: false,
      stdin: 'ignore', // both CLIs read a piped stdin as part of the prompt and would wait for EOF
      timeout: 120_000,
      extendEnv: false,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        IS_SANDBOX: '1',
        ANTHROPIC_BASE_URL: o.baseUrl,
        ANTHROPIC_AUTH_TOKEN: o.token,
        ANTHROPIC_CUSTOM_HEADERS: Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        ANTHROPIC_MODEL: o.alias,
        ANTHROPIC_DEFAULT_OPUS_MODEL: o.alias,
        ANTHROPIC_DEFAULT_SONNET_MODEL: o.alias,
        ANTHROPIC_DEFAULT_HAIKU_MODEL: o.alias,
        CLAUDE_CODE_SUBAGENT_MODEL: o.alias,
        ...(o.env ?? {}),
      },
    },
  );
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, events: jsonLines(r.stdout) };
}

/** `baseUrl` is the proxy's OpenAI base, e.g. http://127.0.0.1:PORT/cell/<id>/v1. */
export async function runOpenCode(o: AgentRunOptions): Promise<AgentRun> {
  const home = mkdtempSync(join(tmpdir(), 'agentab-opencode-home-'));
  const config = {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    model: `agentab/${o.alias}`,
    small_model: `agentab/${o.alias}`,
    provider: {
      agentab: {
        npm: '@ai-sdk/openai-compatible',
        name: 'agentab',
        options: { baseURL: o.baseUrl, apiKey: o.token, headers: { 'X-Cell-Id': o.cellId, ...(o.extraHeaders ?? {}) } },
        models: { [o.alias]: { name: o.alias, tool_call: true } },
      },
    },
  };
  const cfgPath = join(home, 'opencode.json');
  writeFileSync(cfgPath, JSON.stringify(config));
  const r = await execa(join(BIN, 'opencode'), ['run', '--format', 'json', '--model', `agentab/${o.alias}`, o.prompt], {
    cwd: o.cwd,
    reject: false,
    stdin: 'ignore',
    timeout: 120_000,
    extendEnv: false,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_STATE_HOME: join(home, '.local/state'),
      OPENCODE_CONFIG: cfgPath,
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_CLAUDE_CODE: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
    },
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, events: jsonLines(r.stdout) };
}
