/**
 * The `agentab` command line. Commands stay thin: they parse flags, call into src/, print,
 * and set process.exitCode.
 */
import { Command } from 'commander';
import { registerProxyCommand, registerSimCommand } from './proxy.ts';
import { registerReportCommand } from './report.ts';
import { registerRunMatrixCommand } from './run-matrix.ts';
import { registerPlanCommand } from './plan.ts';
import { registerImageCommand } from './image.ts';
import { registerCleanCommand } from './clean.ts';
import { registerTraceCommand } from './trace.ts';
import { registerDebugCommand } from './debug.ts';
import { VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('agentab')
    .description('Measure how changes to a coding agent\'s environment move its latency, tokens and cost.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)');
  registerRunMatrixCommand(program);
  registerPlanCommand(program);
  registerProxyCommand(program);
  registerSimCommand(program);
  registerReportCommand(program);
  registerImageCommand(program);
  registerCleanCommand(program);
  registerTraceCommand(program);
  registerDebugCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`agentab: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv);
