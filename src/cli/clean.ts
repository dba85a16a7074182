/**
 * `agentab clean`: removes what dead runs left behind — containers labelled with a run
 * whose orchestrator process is gone, and the container launcher's staging dirs.
 * The flags are declared in commands/clean.ts; this module loads only when the command runs.
 */
import { readContainerEnv } from '../config/container-env.ts';
import { discoverEngine, type Engine } from '../experiment/launchers/container/engine.ts';
import { cleanLeftovers, type CleanReport } from '../experiment/launchers/container/leftovers.ts';
import { createLogger } from '../util/log.ts';
import type { CleanFlags } from './commands/clean.ts';

/** `deadRunStaging`: the local runs' staging dirs cleanDeadRuns removed (listed above this summary), counted in it too. */
function render(r: CleanReport, dryRun: boolean, deadRunStaging: number): string {
  const verb = dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  for (const c of r.removed) lines.push(`${verb} container ${c.name || c.id.slice(0, 12)} (run ${c.run}, cell ${c.cell}, ${c.state}, owner ${c.liveness})`);
  for (const d of r.workRootsRemoved) lines.push(`${verb} ${d}`);
  const keptRuns = new Set(r.kept.map((c) => c.run));
  lines.push(
    `${verb} ${r.removed.length} container(s) and ${r.workRootsRemoved.length + deadRunStaging} staging dir(s); kept ${r.kept.length} container(s) of ${keptRuns.size} live or foreign run(s)` +
      (r.kept.length ? ' (--all removes them too)' : ''),
  );
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines.join('\n');
}

async function cleanGce(flags: CleanFlags): Promise<void> {
  const [{ readGceEnv }, { parseGceOptions }, { createBatchApi }, { cleanGceJobs, renderGceClean }, { jobParent }] = await Promise.all([
    import('../config/gce-env.ts'),
    import('../experiment/launchers/gce/options.ts'),
    import('../experiment/launchers/gce/batch-api.ts'),
    import('../experiment/launchers/gce/clean.ts'),
    import('../experiment/launchers/gce/job.ts'),
  ]);
  const env = readGceEnv();
  const options = parseGceOptions({ ...(flags.gceProject ? { project: flags.gceProject } : {}), ...(flags.gceRegion ? { region: flags.gceRegion } : {}) }, { env });
  const r = await cleanGceJobs({ batch: createBatchApi({ endpoint: options.batchEndpoint }), parent: jobParent(options), all: flags.all, dryRun: flags.dryRun });
  process.stdout.write((flags.json ? JSON.stringify({ parent: jobParent(options), dryRun: !!flags.dryRun, ...r }, null, 2) : renderGceClean(r, !!flags.dryRun)) + '\n');
  if (r.errors.length) process.exitCode = 1;
}

/** Dead local runs under --results: their leftover agent process groups and staging dirs. */
async function cleanDeadRuns(flags: CleanFlags): Promise<{ text: string; reaped: Array<{ stagingDirs: string[] }>; killedRuns: unknown[] }> {
  const [{ reapDeadRuns }, { markKilledRuns }, { spendText }] = await Promise.all([
    import('../experiment/cell-processes.ts'),
    import('../experiment/killed-attempts.ts'),
    import('../experiment/uncounted-spend.ts'),
  ]);
  const results = flags.results ?? 'results';
  const reaped = reapDeadRuns(results, { dryRun: flags.dryRun });
  const killedRuns = await markKilledRuns(results, { dryRun: flags.dryRun });
  const verb = flags.dryRun ? 'would kill' : 'killed';
  const lines = [
    ...reaped.flatMap((r) => [
      ...r.killed.map((p) => `${verb} process group ${p.pgid} (cell ${p.cell}) of ${r.runDir}`),
      ...r.stagingDirs.map((d) => `${flags.dryRun ? 'would remove' : 'removed'} ${d} (staging of ${r.runDir})`),
    ]),
    ...killedRuns.map((k) =>
      `${flags.dryRun ? 'would mark' : 'marked'} ${k.runDir} killed (last write ${k.lastWriteAt ?? 'unknown'})` +
      (k.killedAttempts.attempts ? `; spend of the attempts the kill cut off: ${spendText(k.killedAttempts)} (kept; --resume records it, the report shows it)` : ''),
    ),
  ];
  return { text: lines.join('\n'), reaped, killedRuns };
}

export async function cleanCommand(flags: CleanFlags): Promise<void> {
  // One clean per call: the flags of the other would be dropped without a word.
  if (!flags.gce && (flags.gceProject !== undefined || flags.gceRegion !== undefined)) {
    throw new Error(`${flags.gceProject !== undefined ? '--gce-project' : '--gce-region'} applies to --gce (Batch jobs); add --gce, or leave it out to clean this host`);
  }
  if (flags.gce && (flags.engine !== undefined || flags.results !== undefined)) {
    throw new Error(`${flags.engine !== undefined ? '--engine' : '--results'} applies to this host's clean, and --gce cleans Batch jobs only: run agentab clean once for each`);
  }
  if (flags.gce) return cleanGce(flags);
  const runs = await cleanDeadRuns(flags);
  if (runs.text && !flags.json) process.stdout.write(runs.text + '\n');
  const log = createLogger(flags.logLevel);
  let engine: Engine | undefined;
  try {
    // listing needs the API: start Podman's service if that is what is installed
    engine = await discoverEngine({ endpoint: flags.engine, env: readContainerEnv() });
  } catch (e) {
    log.warn('no container engine: only staging dirs are cleaned', { error: (e as Error).message });
  }
  const r = await cleanLeftovers({ docker: engine?.docker, all: flags.all, dryRun: flags.dryRun });
  process.stdout.write((flags.json ? JSON.stringify({ engine: engine?.version ?? null, dryRun: !!flags.dryRun, ...r, deadRuns: runs.reaped, killedRuns: runs.killedRuns }, null, 2) : render(r, !!flags.dryRun, runs.reaped.reduce((n, run) => n + run.stagingDirs.length, 0))) + '\n');
  if (r.errors.length) process.exitCode = 1;
}
