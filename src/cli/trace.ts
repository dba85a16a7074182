/**
 * `agentab trace <cell | run dir>`: writes the Chrome Trace Event JSON of one cell or a whole
 * run (open it in ui.perfetto.dev or chrome://tracing) and prints where each cell's time went.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { resolveCells } from '../trace/resolve-cell.ts';
import { decompositionLine } from '../trace/summary.ts';
import { defaultTracePath, loadTimelines, writeChromeTrace } from '../trace/write.ts';

export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description('Write a Chrome/Perfetto trace of a cell or a run (process per cell, model and tool calls, proxy phases, token and cost counters)')
    .argument('<target>', 'a cell directory, a run directory, or a cell id (prefix) under --results')
    .option('-o, --out <file>', 'where to write the trace (default: trace.json in the cell or run directory)')
    .option('--results <dir>', 'results root searched for a cell id', 'results')
    .option('--json', 'print the cells\' decompositions as JSON')
    .action(async (target: string, flags: { out?: string; results: string; json?: boolean }) => {
      const cells = await resolveCells(target, { resultsRoot: flags.results });
      const timelines = await loadTimelines(cells);
      const file = path.resolve(flags.out ?? defaultTracePath(cells));
      await writeChromeTrace(file, timelines);
      if (flags.json) {
        process.stdout.write(JSON.stringify({ trace: file, cells: timelines.map((t) => ({ cell: t.record.cell, spans: t.spans.length, decomposition: t.decomposition })) }, null, 2) + '\n');
        return;
      }
      for (const t of timelines) process.stdout.write(decompositionLine(t) + '\n');
      process.stdout.write(`wrote ${file} (${timelines.length} cell${timelines.length === 1 ? '' : 's'}); open it in https://ui.perfetto.dev or chrome://tracing\n`);
    });
}
