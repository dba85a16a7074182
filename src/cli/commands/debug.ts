/** Declares `agentab debug` and its flags; the work is in ../debug.ts, loaded when it runs. */
import type { Command } from 'commander';

export interface DebugFlags {
  out?: string;
  results: string;
  json?: boolean;
}

export function registerDebugCommand(program: Command): void {
  program
    .command('debug')
    .description('Write a debug bundle of a cell: summary, profile, transcript excerpt, touched files, spend lines, trace, logs, debug_context.md (secrets redacted)')
    .argument('<cell>', 'a cell id or id prefix (looked up under --results), or a cell directory')
    .option('-o, --out <dir>', 'where the bundle directory and .tar.gz go (default: <run dir>/debug)')
    .option('--results <dir>', 'results root searched for a cell id', 'results')
    .option('--json', 'print the bundle summary as JSON')
    .action(async (target: string, flags: DebugFlags) => (await import('../debug.ts')).debugCommand(target, flags));
}
