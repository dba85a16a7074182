/**
 * Leftovers of dead runs: containers labelled with a run whose orchestrator process is gone
 * (killed with SIGKILL, a machine reset), and the container launcher's staging dirs of such
 * runs. A run is alive when its owner process (the `agentab.pid` label, on this host) still
 * exists; a run owned by another host cannot be judged and is kept unless `all` is set.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import type Docker from 'dockerode';
import { processAlive } from '../../kill-tree.ts';
import { LABELS, listAgentabContainers, removeContainers } from './labels.ts';
import { listWorkRoots } from './work-root.ts';
import { ownerLiveness, type Liveness } from '../liveness.ts';

export interface CleanOptions {
  docker?: Docker;
  /** Also remove containers of live runs and of other hosts. */
  all?: boolean;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Staging dirs' parent (default: the OS temp dir). */
  tmpDir?: string;
  host?: string;
  isAlive?: (pid: number) => boolean;
}

export interface CleanedContainer {
  id: string;
  name: string;
  run: string;
  cell: string;
  state: string;
  liveness: Liveness;
}

export interface CleanReport {
  removed: CleanedContainer[];
  kept: CleanedContainer[];
  errors: string[];
  workRootsRemoved: string[];
  workRootsKept: string[];
}

export async function cleanLeftovers(o: CleanOptions): Promise<CleanReport> {
  const host = o.host ?? os.hostname();
  const isAlive = o.isAlive ?? processAlive;
  const report: CleanReport = { removed: [], kept: [], errors: [], workRootsRemoved: [], workRootsKept: [] };

  if (o.docker) {
    const list = await listAgentabContainers(o.docker);
    const doomed: CleanedContainer[] = [];
    for (const c of list) {
      const l = c.Labels ?? {};
      const item: CleanedContainer = {
        id: c.Id,
        name: (c.Names?.[0] ?? '').replace(/^\//, ''),
        run: l[LABELS.run] ?? '',
        cell: l[LABELS.cell] ?? '',
        state: c.State ?? '',
        liveness: ownerLiveness(l[LABELS.pid], l[LABELS.host], { host, isAlive }),
      };
      (o.all || item.liveness === 'dead' ? doomed : report.kept).push(item);
    }
    if (o.dryRun) report.removed = doomed;
    else {
      const r = await removeContainers(
        o.docker,
        doomed.map((c) => c.id),
      );
      const gone = new Set(r.removed);
      report.removed = doomed.filter((c) => gone.has(c.id));
      report.errors.push(...r.errors);
    }
  }

  for (const w of await listWorkRoots(o.tmpDir)) {
    const liveness = w.owner ? ownerLiveness(w.owner.pid, w.owner.host, { host, isAlive }) : 'dead';
    if (!o.all && liveness !== 'dead') {
      report.workRootsKept.push(w.dir);
      continue;
    }
    if (!o.dryRun) await rm(w.dir, { recursive: true, force: true }).catch((e: unknown) => report.errors.push(`${w.dir}: ${(e as Error).message}`));
    report.workRootsRemoved.push(w.dir);
  }
  return report;
}
