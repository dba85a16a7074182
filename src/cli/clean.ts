/**
 * `agentab clean`: removes what dead runs left behind — containers labelled with a run
 * whose orchestrator process is gone, and the container launcher's staging dirs.
 */
import type { Command } from 'commander';
import { readContainerEnv } from '../config/container-env.ts';
import { discoverEngine, type Engine } from '../experiment/launchers/container/engine.ts';
import { cleanLeftovers, type CleanReport } from '../experiment/launchers/container/leftovers.ts';
import { createLogger, type Level } from '../util/log.ts';

interface CleanFlags {
  all?: boolean;
  dryRun?: boolean;
  engine?: string;
  json?: boolean;
  logLevel: Level;
}

function render(r: CleanReport, dryRun: boolean): string {
  const verb = dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  for (const c of r.removed) lines.push(`${verb} container ${c.name || c.id.slice(0, 12)} (run ${c.run}, cell ${c.cell}, ${c.state}, owner ${c.liveness})`);
  for (const d of r.workRootsRemoved) lines.push(`${verb} ${d}`);
  const keptRuns = new Set(r.kept.map((c) => c.run));
  lines.push(
    `${verb} ${r.removed.length} container(s) and ${r.workRootsRemoved.length} staging dir(s); kept ${r.kept.length} container(s) of ${keptRuns.size} live or foreign run(s)` +
      (r.kept.length ? ' (--all removes them too)' : ''),
  );
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines.join('\n');
}

async function cleanCommand(flags: CleanFlags): Promise<void> {
  const log = createLogger(flags.logLevel);
  let engine: Engine | undefined;
  try {
    // listing needs the API: start Podman's service if that is what is installed
    engine = await discoverEngine({ endpoint: flags.engine, env: readContainerEnv() });
  } catch (e) {
    log.warn('no container engine: only staging dirs are cleaned', { error: (e as Error).message });
  }
  const r = await cleanLeftovers({ docker: engine?.docker, all: flags.all, dryRun: flags.dryRun });
  process.stdout.write((flags.json ? JSON.stringify({ engine: engine?.version ?? null, dryRun: !!flags.dryRun, ...r }, null, 2) : render(r, !!flags.dryRun)) + '\n');
  if (r.errors.length) process.exitCode = 1;
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
    .action(cleanCommand);
}
