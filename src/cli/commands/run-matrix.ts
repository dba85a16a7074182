/** Declares `agentab run-matrix` and the matrix flags it shares with `plan`; the work is in ../run-matrix.ts, loaded when it runs. */
import type { Command } from 'commander';
import type { Level } from '../../util/log.ts';
import { addGceOptions, type GceFlags } from './gce-flags.ts';
import { logLevelOption } from './log-level.ts';

export interface MatrixFlags extends GceFlags {
  runners?: string;
  conditions?: string;
  tasks?: string;
  tags?: string;
  reps?: string;
  launcher?: string;
  concurrency?: string;
  seed?: string;
  budgetUsd?: string;
  budgetTokens?: string;
  timeout?: string;
  order?: string;
  out: string;
  resume?: string;
  retry?: string;
  force?: boolean;
  /** `i/N`: run only shard i of N (0-based, as BATCH_TASK_INDEX). */
  shard?: string;
  /** An unpacked GCE input bundle (its bundle.json names the spec, the run id and the shards). */
  bundle?: string;
  runId?: string;
  json?: boolean;
  logLevel: Level;
}

export type RunMatrixFlags = MatrixFlags & { dryRun?: boolean; keepWorkspaces?: boolean; resultsUri?: string };

export function addMatrixOptions(cmd: Command): Command {
  cmd
    .option('--runners <list>', 'runners to run, comma-separated (names of the spec, or registered runner kinds: claude, opencode, command, …)')
    .option('--conditions <list>', 'conditions to run, comma-separated')
    .option('--tasks <list>', 'task ids of the spec, or globs of task files, comma-separated')
    .option('--tags <list>', "only the tasks carrying at least one of these tags (a task file's tags:), comma-separated")
    .option('--reps <n>', 'repetitions of every runner × condition × task')
    .option('--launcher <kind>', 'a registered launcher kind: local, container, …')
    .option('--concurrency <n>', 'cells running at once')
    .option('--seed <n>', 'seed of the run order')
    .option('--order <order>', 'interleaved | sequential | random')
    .option('--budget-usd <usd>', 'stop scheduling cells once this much is spent')
    .option('--budget-tokens <n>', 'stop scheduling cells once this many tokens are used')
    .option('--timeout <duration>', 'per-cell timeout, e.g. 300s or 5m (overrides the tasks\' own)')
    .option('--out <dir>', 'results root', 'results')
    .option('--json', 'print JSON instead of tables')
    .addOption(logLevelOption('warn'));
  return addGceOptions(cmd);
}

export function registerRunMatrixCommand(program: Command): void {
  const cmd = program
    .command('run-matrix')
    .description('Run every runner × condition × task × rep of an experiment and record each cell (default experiment: experiments/pilot.yaml).')
    .argument('[experiment]', 'experiment spec (YAML)');
  addMatrixOptions(cmd)
    .option('--resume <runDir>', 'continue a run: re-plan, skip cells already recorded, run the rest')
    .option('--retry <outcomes>', 'with --resume: also re-run cells whose record is one of these outcomes (failed, error, timeout, infra), as a new attempt; earlier records stay as history')
    .option('--force', 'with --resume: resume although the spec changed since the run started')
    .option('--dry-run', 'print the plan, the commands and an estimate; write only the plan')
    .option('--keep-workspaces', 'keep cell workspaces (default: deleted after each cell)')
    .option('--shard <i/N>', 'run only shard i of N (0-based): blocks of paired cells spread by estimated time (what each GCE VM runs)')
    .option('--bundle <dir>', 'an unpacked GCE input bundle: its spec, run id, overrides and shards (used with --shard on the VMs)')
    .option('--run-id <id>', 'the run id of a new run (default: time-based)')
    .option('--results-uri <gs://bucket/prefix>', 'mirror the run dir to Cloud Storage as each cell finishes, and add the GCE VM\'s name, zone and machine type to every record (what each GCE VM runs)')
    .action(async (experiment: string | undefined, flags: RunMatrixFlags) => (await import('../run-matrix.ts')).runCommand(experiment, flags));
}
