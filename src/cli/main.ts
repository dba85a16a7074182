/**
 * The `agentab` command line. Commands stay thin: they parse flags, call into src/, print,
 * and set process.exitCode.
 *
 * Start-up is lazy, so every command starts at once: src/cli/commands/<name>.ts declares a
 * command (name, flags, help) and imports only light modules (commander, constants, types);
 * its action imports the module that does the work (src/cli/<name>.ts) when the command runs.
 * A new command follows the same shape: one declaration file here, registered below, and a
 * dynamic import() in its action. test/cli/startup.test.ts fails when `--help` loads an action
 * module or a heavy dependency.
 */
import { Command } from 'commander';
import { registerCleanCommand } from './commands/clean.ts';
import { registerImageCommand } from './commands/image.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerProxyCommand, registerSimCommand } from './commands/proxy.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerRunMatrixCommand } from './commands/run-matrix.ts';
import { registerViewCommand } from './commands/view.ts';
import { registerTraceCommand } from './commands/trace.ts';
import { registerDebugCommand } from './commands/debug.ts';
import { registerNewCommand } from './commands/new.ts';
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
  registerViewCommand(program);
  registerTraceCommand(program);
  registerDebugCommand(program);
  registerNewCommand(program);
  return program;
}

/**
 * A closed stdout or stderr (`agentab run-matrix | head -1`, a terminal gone) must not end a
 * run half-way: its output is lost (EPIPE), the run goes on and records every cell.
 */
function outliveClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  outliveClosedOutput();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`agentab: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv);
