/**
 * `agentab view [dirs…]`: a local web viewer over run directories (runs, verdicts, cells,
 * transcripts, calls, diffs), live while a run is in progress. Thin: flags in, URL out.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { createLogger } from '../util/log.ts';

interface ViewFlags {
  port: string;
  host: string;
  token?: string;
}

export function registerViewCommand(program: Command): void {
  program
    .command('view')
    .description('Browse runs in a local web viewer: verdicts, cells, transcripts, model calls and workspace diffs (live while a run is going)')
    .argument('[dirs...]', 'results root, experiment directories or run directories', ['results'])
    .option('--port <n>', 'port to listen on (0: any free port)', '4300')
    .option('--host <addr>', 'address to bind; anything but loopback requires a token', '127.0.0.1')
    .option('--token <token>', 'require this token (default: a random one when --host is not loopback)')
    .action(async (dirs: string[], flags: ViewFlags) => {
      const { startViewServer, isLoopback } = await import('../view/server.ts');
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0–65535, got "${flags.port}"`);
      const token = flags.token ?? (isLoopback(flags.host) ? undefined : randomBytes(16).toString('hex'));
      const log = createLogger('info');
      const view = await startViewServer({ inputs: dirs, host: flags.host, port, token, log });
      const runs = view.store.summaries();
      process.stdout.write(`agentab view: ${runs.length} run(s) under ${dirs.join(', ')}\n  open ${view.url}\n  (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void view.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
