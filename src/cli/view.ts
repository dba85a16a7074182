/**
 * `agentab view [dirs…]`: a local web viewer over run directories (runs, verdicts, cells,
 * transcripts, calls, diffs), live while a run is in progress. Thin: flags in, URL out.
 * The flags are declared in commands/view.ts; this module loads only when the command runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readContainerEnv } from '../config/container-env.ts';
import { createLogger } from '../util/log.ts';
import { isLoopback, startViewServer } from '../view/server.ts';
import type { ViewFlags } from './commands/view.ts';

export async function viewCommand(dirs: string[], flags: ViewFlags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0–65535, got "${flags.port}"`);
  // The default `results` may not exist yet (runs started later appear live); a directory named on the command line must.
  const missing = dirs.filter((d) => d !== 'results' && !existsSync(d));
  if (missing.length) throw new Error(`${missing.join(', ')}: no such directory (give a results root, an experiment directory or a run directory)`);
  const token = flags.token ?? (isLoopback(flags.host) ? undefined : randomBytes(16).toString('hex'));
  const log = createLogger('info');
  // reports computed for runs without report.json are kept for the next viewer (nothing is written into run directories)
  const reportCacheDir = flags.cache === false ? null : path.join(readContainerEnv().cacheDir, 'view-reports');
  const view = await startViewServer({ inputs: dirs, host: flags.host, port, token, log, reportCacheDir });
  process.stdout.write(`agentab view: ${view.store.summaries().length} run(s) under ${dirs.join(', ')}\n  open ${view.url}\n  (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void view.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
