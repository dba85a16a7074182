/** Declares `agentab trace` and its flags; the work is in ../trace.ts, loaded when it runs. */
import type { Command } from 'commander';

export interface TraceFlags {
  out?: string;
  results: string;
  json?: boolean;
}

export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description('Write a Chrome/Perfetto trace of a cell or a run (process per cell, model and tool calls, proxy phases, token and cost counters)')
    .argument('<target>', 'a cell directory, a run directory, or a cell id (prefix) under --results')
    .option('-o, --out <file>', 'where to write the trace (default: trace.json in the cell or run directory)')
    .option('--results <dir>', 'results root searched for a cell id', 'results')
    .option('--json', "print the cells' decompositions as JSON")
    .action(async (target: string, flags: TraceFlags) => (await import('../trace.ts')).traceCommand(target, flags));
}
