/** Declares `agentab plan [experiment]`: what `run-matrix --dry-run` prints, as its own command. */
import type { Command } from 'commander';
import { addMatrixOptions, type MatrixFlags } from './run-matrix.ts';

export function registerPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description('Print the cells, their run order, the commands each would run and an estimate of time, tokens and cost; writes only the plan.')
    .argument('[experiment]', 'experiment spec (YAML)');
  addMatrixOptions(cmd).action(async (experiment: string | undefined, flags: MatrixFlags) => {
    const { loadMatrixInput, printDryRun } = await import('../run-matrix.ts');
    await printDryRun(await loadMatrixInput(experiment, flags), flags);
  });
}
