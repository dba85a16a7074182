/**
 * The `command` runner: any shell command run in the cell workspace, for "tier A"
 * measurements of the tool under test itself, without an agent. It gets the cell's proxy
 * wiring both as AGENTAB_* variables and under the names the official SDKs read, so a
 * script using `openai` or `@anthropic-ai/sdk` reaches the proxy with no code change.
 */
import { jsonLines, emptyReport, type InvocationContext, type Invocation, type RunnerAdapter, type RunnerReport } from '../types.ts';

export const SHELL = '/bin/sh';

export function commandOf(ctx: InvocationContext): string {
  const c = ctx.cell.runner.command ?? ctx.cell.task.command;
  if (!c) throw new Error(`task ${ctx.cell.task.id} has no command for the command runner "${ctx.cell.runner.name}" (set runners[].command or the task's command)`);
  return c;
}

export const runner: RunnerAdapter = {
  kind: 'command',
  jsonTranscript: false,
  limitsTurns: false,
  runs: 'command',
  artifacts: [],
  resolveBinary: () => SHELL,
  versionArgv: () => undefined,
  parseVersion: () => 'sh',
  command(ctx: InvocationContext): Invocation {
    const { cell, endpoint } = ctx;
    const env: Record<string, string> = {
      // what setup and check get (task and spec dirs, workspace), so one script can serve all three
      ...ctx.cellVars,
      HOME: ctx.home,
      AGENTAB_CELL_ID: cell.id,
      AGENTAB_PROXY_URL: endpoint.proxyUrl,
      AGENTAB_ANTHROPIC_BASE_URL: endpoint.anthropicBaseUrl,
      AGENTAB_OPENAI_BASE_URL: endpoint.openaiBaseUrl,
      AGENTAB_GEMINI_BASE_URL: endpoint.geminiBaseUrl,
      AGENTAB_API_KEY: endpoint.token,
      AGENTAB_MODEL: cell.model,
      AGENTAB_PROMPT: cell.task.prompt,
      AGENTAB_TASK: cell.task.id,
      AGENTAB_CONDITION: cell.condition.name,
      AGENTAB_REP: String(cell.rep),
      ANTHROPIC_BASE_URL: endpoint.anthropicBaseUrl,
      ANTHROPIC_AUTH_TOKEN: endpoint.token,
      ANTHROPIC_CUSTOM_HEADERS: `X-Cell-Id: ${cell.id}`,
      OPENAI_BASE_URL: endpoint.openaiBaseUrl,
      OPENAI_API_KEY: endpoint.token,
      GOOGLE_GEMINI_BASE_URL: endpoint.geminiBaseUrl,
      GEMINI_API_KEY: endpoint.token,
    };
    // The args reach the command as positional parameters ("$@"), never re-parsed by the shell:
    // an arg with spaces, quotes or $ arrives as written.
    const args = [...cell.runner.args, ...cell.condition.args];
    const argv = args.length ? [SHELL, '-c', `${commandOf(ctx)} "$@"`, SHELL, ...args] : [SHELL, '-c', commandOf(ctx)];
    return { argv, env, files: {}, secretEnv: ['AGENTAB_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'OPENAI_API_KEY', 'GEMINI_API_KEY'] };
  },
  parse(text: string): RunnerReport {
    const r = emptyReport();
    r.events = jsonLines(text).length;
    return r;
  },
};
