/** Declares `agentab clean`; the work is in ../clean.ts, loaded when it runs. */
import type { Command } from 'commander';
import type { Level } from '../../util/log.ts';
import { logLevelOption } from './log-level.ts';

export interface CleanFlags {
  all?: boolean;
  dryRun?: boolean;
  engine?: string;
  gce?: boolean;
  gceProject?: string;
  gceRegion?: string;
  json?: boolean;
  logLevel: Level;
  /** Undefined: `results` (left unset so a --results given with --gce can be told from the default). */
  results?: string;
}

export function registerCleanCommand(program: Command): void {
  program
    .command('clean')
    .description('Remove what dead runs left (runs whose agentab process is gone): agent process groups still running, containers, staging dirs; with --gce, Batch jobs.')
    .option('--all', 'remove every agentab container (with --gce: job) also of runs of other hosts; with containers also of live runs')
    .option('--gce', 'list and delete this tool\'s Google Cloud Batch jobs (label managed-by=agentab) that no live run owns')
    .option('--gce-project <id>', 'with --gce: the project (default: GOOGLE_CLOUD_PROJECT)')
    .option('--gce-region <region>', 'with --gce: the Batch region (default us-central1)')
    .option('--results <dir>', 'results root whose dead runs get their leftover process groups killed and local staging dirs removed (default: results)')
    .option('--dry-run', 'list what would be removed')
    .option('--engine <endpoint>', 'container engine API (unix:///path.sock, tcp://host:port); default: DOCKER_HOST, Docker, Podman')
    .option('--json', 'print JSON')
    .addOption(logLevelOption('warn'))
    .action(async (flags: CleanFlags) => (await import('../clean.ts')).cleanCommand(flags));
}
