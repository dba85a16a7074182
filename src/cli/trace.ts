/**
 * `agentab trace <cell | run dir>`: writes the Chrome Trace Event JSON of one cell or a whole
 * run (open it in ui.perfetto.dev or chrome://tracing) and prints where each cell's time went.
 * Flags are declared in commands/trace.ts; this module loads only when the command runs.
 */
import path from 'node:path';
import { resolveCells } from '../trace/resolve-cell.ts';
import { decompositionLine } from '../trace/summary.ts';
import { defaultTracePath, loadTimelines, writeChromeTrace } from '../trace/write.ts';
import type { TraceFlags } from './commands/trace.ts';

export async function traceCommand(target: string, flags: TraceFlags): Promise<void> {
  const cells = await resolveCells(target, { resultsRoot: flags.results });
  if (cells.note) process.stderr.write(`${cells.note}\n`);
  const timelines = await loadTimelines(cells);
  const file = path.resolve(flags.out ?? defaultTracePath(cells));
  await writeChromeTrace(file, timelines);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ trace: file, cells: timelines.map((t) => ({ cell: t.record.cell, spans: t.spans.length, decomposition: t.decomposition })) }, null, 2) + '\n');
    return;
  }
  for (const t of timelines) process.stdout.write(decompositionLine(t) + '\n');
  process.stdout.write(`wrote ${file} (${timelines.length} cell${timelines.length === 1 ? '' : 's'}); open it in https://ui.perfetto.dev or chrome://tracing\n`);
}
