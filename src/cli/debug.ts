/**
 * `agentab debug <cellId | id prefix | cell dir>`: writes a debug bundle (directory and
 * .tar.gz) for a person or a coding agent asked why the cell was slow or failed.
 */
import type { Command } from 'commander';
import { processEnv } from '../config/env.ts';
import { buildBundle } from '../trace/bundle/index.ts';
import { knownSecrets } from '../trace/bundle/secrets.ts';
import { CellNotFoundError, resolveCells } from '../trace/resolve-cell.ts';

export function registerDebugCommand(program: Command): void {
  program
    .command('debug')
    .description('Write a debug bundle of a cell: summary, profile, transcript excerpt, touched files, spend lines, trace, logs, debug_context.md (secrets redacted)')
    .argument('<cell>', 'a cell id or id prefix (looked up under --results), or a cell directory')
    .option('-o, --out <dir>', 'where the bundle directory and .tar.gz go (default: <run dir>/debug)')
    .option('--results <dir>', 'results root searched for a cell id', 'results')
    .option('--json', 'print the bundle summary as JSON')
    .action(async (target: string, flags: { out?: string; results: string; json?: boolean }) => {
      const cells = await resolveCells(target, { resultsRoot: flags.results });
      if (cells.kind !== 'cell') throw new CellNotFoundError(`${target} is a run directory; name one cell (e.g. ${cells.cellDirs[0]})`, 'not_a_cell_or_run');
      const bundle = await buildBundle(cells.cellDirs[0]!, { ...(flags.out ? { outDir: flags.out } : {}), secrets: await knownSecrets(cells.runDir, processEnv()) });
      if (flags.json) {
        process.stdout.write(JSON.stringify({ dir: bundle.dir, archive: bundle.archive, files: bundle.files, summary: bundle.summary }, null, 2) + '\n');
        return;
      }
      const s = bundle.summary;
      process.stdout.write(`${s.cell} ${s.label}: ${s.outcome} in ${(s.metrics.wallMs / 1000).toFixed(1)} s\n`);
      process.stdout.write(`bundle: ${bundle.dir}\narchive: ${bundle.archive}\nstart with ${bundle.dir}/debug_context.md\n`);
    });
}
