/**
 * `agentab debug <cellId | id prefix | cell dir>`: writes a debug bundle (directory and
 * .tar.gz) for a person or a coding agent asked why the cell was slow or failed. Flags are
 * declared in commands/debug.ts; this module loads only when the command runs.
 */
import { processEnv } from '../config/env.ts';
import { buildBundle } from '../trace/bundle/index.ts';
import { knownSecrets } from '../trace/bundle/secrets.ts';
import { CellNotFoundError, resolveCells } from '../trace/resolve-cell.ts';
import type { DebugFlags } from './commands/debug.ts';

export async function debugCommand(target: string, flags: DebugFlags): Promise<void> {
  const cells = await resolveCells(target, { resultsRoot: flags.results });
  if (cells.note) process.stderr.write(`${cells.note}\n`);
  if (cells.kind !== 'cell') throw new CellNotFoundError(`${target} is a run directory; name one of its cells (e.g. ${cells.cellDirs[0]})`, 'not_a_cell_or_run');
  const bundle = await buildBundle(cells.cellDirs[0]!, { ...(flags.out ? { outDir: flags.out } : {}), secrets: await knownSecrets(cells.runDir, processEnv()) });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ dir: bundle.dir, archive: bundle.archive, files: bundle.files, summary: bundle.summary }, null, 2) + '\n');
    return;
  }
  const s = bundle.summary;
  process.stdout.write(`${s.cell} ${s.label}: ${s.outcome} in ${(s.metrics.wallMs / 1000).toFixed(1)} s\n`);
  process.stdout.write(`bundle: ${bundle.dir}\narchive: ${bundle.archive}\nstart with ${bundle.dir}/debug_context.md\n`);
}
