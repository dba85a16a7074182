/** Declares `agentab view`; the work is in ../view.ts, loaded when it runs. */
import type { Command } from 'commander';

export interface ViewFlags {
  port: string;
  host: string;
  token?: string;
  /** false with --no-cache. */
  cache?: boolean;
}

export function registerViewCommand(program: Command): void {
  program
    .command('view')
    .description('Browse runs in a local web viewer: verdicts, cells, transcripts, model calls and workspace diffs (live while a run is going)')
    .argument('[dirs...]', 'results root, experiment directories or run directories', ['results'])
    .option('--port <n>', 'port to listen on (0: any free port)', '4300')
    .option('--host <addr>', 'address to bind; anything but loopback requires a token', '127.0.0.1')
    .option('--token <token>', 'require this token (default: a random one when --host is not loopback)')
    .option('--no-cache', 'do not keep reports computed for runs without report.json (default: kept for the next viewer under view-reports/ in $AGENTAB_CACHE_DIR, else $XDG_CACHE_HOME/agentab, else ~/.cache/agentab)')
    .action(async (dirs: string[], flags: ViewFlags) => (await import('../view.ts')).viewCommand(dirs, flags));
}
