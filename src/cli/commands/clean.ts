/** Declares `agentab clean`; the work is in ../clean.ts, loaded when it runs. */
import type { Command } from 'commander';
import type { Level } from '../../util/log.ts';

export interface CleanFlags {
  all?: boolean;
  dryRun?: boolean;
  engine?: string;
  json?: boolean;
  logLevel: Level;
}

export function registerCleanCommand(program: Command): void {
  program
    .command('clean')
    .description('Remove containers and staging dirs left by dead runs (runs whose agentab process is gone).')
    .option('--all', 'remove every agentab container, also of runs still alive or of other hosts')
    .option('--dry-run', 'list what would be removed')
    .option('--engine <endpoint>', 'container engine API (unix:///path.sock, tcp://host:port); default: DOCKER_HOST, Docker, Podman')
    .option('--json', 'print JSON')
    .option('--log-level <level>', 'debug | info | warn | error', 'warn')
    .action(async (flags: CleanFlags) => (await import('../clean.ts')).cleanCommand(flags));
}
