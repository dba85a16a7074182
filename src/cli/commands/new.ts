/** Declares `agentab new task <name>`; the work is in ../../experiment/task-scaffold.ts, loaded when it runs. */
import type { Command } from 'commander';

export interface NewTaskFlags {
  dir: string;
}

export function registerNewCommand(program: Command): void {
  const create = program.command('new').description('Scaffold something to edit: `agentab new task <name>`');
  create
    .command('task')
    .description('Write a complete task that passes as written (task file, workspace, check script, simulator script) to edit into your own')
    .argument('<name>', 'task id: letters, digits, ".", "_" or "-"')
    .option('--dir <dir>', 'where to write <name>.yaml, <name>/ and checks/<name>.sh', 'tasks')
    .action(async (name: string, flags: NewTaskFlags) => {
      const { scaffoldTask } = await import('../../experiment/task-scaffold.ts');
      const t = await scaffoldTask(name, flags.dir);
      process.stdout.write(
        `wrote ${t.written.join(', ')}\n` +
          `try it on the simulator with both agents:\n` +
          `  agentab run-matrix --tasks ${t.file} --runners claude,opencode --conditions baseline --reps 1\n`,
      );
    });
}
