/**
 * Gemini CLI, headless: `gemini -p <prompt> --model <alias> --output-format stream-json
 * --yolo`, with `GOOGLE_GEMINI_BASE_URL` at the cell's proxy prefix (calls go to
 * `…/cell/<id>/v1beta/models/<alias>:streamGenerateContent?alt=sse`) and the cell token as its
 * API key. A private HOME holds `.gemini/settings.json`: API-key auth (no Google login), folder
 * trust off (a headless run cannot answer the trust prompt), usage statistics, telemetry and
 * update checks off, and the session turn limit from `max_turns`. TMPDIR is private too: Gemini
 * CLI writes its error reports there.
 */
import path from 'node:path';
import { parseGeminiTranscript } from './transcript.ts';
import { explicitBin, packageBin } from '../resolve-bin.ts';
import type { InvocationContext, Invocation, RunnerAdapter } from '../types.ts';

export function geminiSettings(ctx: InvocationContext): Record<string, unknown> {
  return {
    security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    model: { name: ctx.cell.model, maxSessionTurns: ctx.cell.maxTurns },
  };
}

export const runner: RunnerAdapter = {
  kind: 'gemini',
  jsonTranscript: true,
  limitsTurns: true,
  runs: 'bin',
  artifacts: ['.gemini/tmp'],
  resolveBinary: (def) => (def.bin ? explicitBin(def.name, def.bin) : packageBin(def.name, '@google/gemini-cli', 'gemini')),
  versionArgv: (bin) => [bin, '--version'],
  parseVersion: (out) => /\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? out.trim(),
  command(ctx: InvocationContext): Invocation {
    const { cell, endpoint } = ctx;
    const tmp = path.join(ctx.home, 'tmp');
    const env: Record<string, string> = {
      HOME: ctx.home,
      TMPDIR: tmp,
      GEMINI_API_KEY: endpoint.token,
      GOOGLE_GEMINI_BASE_URL: endpoint.geminiBaseUrl,
      GEMINI_CLI_CUSTOM_HEADERS: `X-Cell-Id: ${cell.id}`,
    };
    const argv = [ctx.bin, '-p', cell.task.prompt, '--model', cell.model, '--output-format', 'stream-json', '--yolo', ...cell.runner.args, ...cell.condition.args];
    return {
      argv,
      env,
      files: {
        [path.join(ctx.home, '.gemini', 'settings.json')]: JSON.stringify(geminiSettings(ctx), null, 2) + '\n',
        [path.join(tmp, '.agentab')]: 'the private TMPDIR of this cell\'s Gemini CLI\n',
      },
      secretEnv: ['GEMINI_API_KEY'],
    };
  },
  parse: parseGeminiTranscript,
};
