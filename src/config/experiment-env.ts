/**
 * The environment cells start from. Only a small allow-list of the orchestrator's own
 * environment reaches a runner, so no API key, proxy setting or user config leaks into a
 * cell; everything else a cell gets is set explicitly by its runner adapter and condition.
 */
import { processEnv, type Env } from './env.ts';

const PASS_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR'] as const;

export function cellBaseEnv(env: Env = processEnv()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of PASS_THROUGH) {
    const v = env[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  out.TERM = 'dumb';
  out.NO_COLOR = '1';
  out.CI = '1';
  return out;
}

/** Whether the orchestrator's stdout is an interactive terminal (progress bar vs plain lines). */
export function isInteractive(env: Env = processEnv()): boolean {
  return process.stderr.isTTY === true && env.CI === undefined && env.TERM !== 'dumb';
}
