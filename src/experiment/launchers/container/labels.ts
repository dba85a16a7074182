/**
 * Every container agentab starts carries labels naming its run, its cell and the process
 * that owns it, so a run's containers can be found and removed (dispose, the exit reaper,
 * `agentab clean`) whatever happened to the process that started them.
 */
import os from 'node:os';
import type Docker from 'dockerode';
import { engineMessage, engineStatus } from './errors.ts';

export const LABELS = {
  run: 'agentab.run',
  cell: 'agentab.cell',
  experiment: 'agentab.experiment',
  /** pid of the orchestrator process that owns the container. */
  pid: 'agentab.pid',
  /** hostname of that process (a pid means nothing on another host). */
  host: 'agentab.host',
} as const;

export function cellLabels(o: { runId: string; cellId: string; experiment: string; pid?: number; host?: string }): Record<string, string> {
  return {
    [LABELS.run]: o.runId,
    [LABELS.cell]: o.cellId,
    [LABELS.experiment]: o.experiment,
    [LABELS.pid]: String(o.pid ?? process.pid),
    [LABELS.host]: o.host ?? os.hostname(),
  };
}

/** agentab's containers, all states; only one run's when `runId` is given. */
export async function listAgentabContainers(docker: Docker, runId?: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [runId === undefined ? LABELS.run : `${LABELS.run}=${runId}`] } });
}

export interface RemoveResult {
  removed: string[];
  errors: string[];
}

/** Force-removes containers (running ones are killed); a container already gone counts as removed. */
export async function removeContainers(docker: Docker, ids: readonly string[]): Promise<RemoveResult> {
  const out: RemoveResult = { removed: [], errors: [] };
  await Promise.all(
    ids.map(async (id) => {
      try {
        await docker.getContainer(id).remove({ force: true, v: true });
        out.removed.push(id);
      } catch (e) {
        // 404: gone; 409: removal already in progress (another caller got there first)
        if (engineStatus(e) === 404 || engineStatus(e) === 409) out.removed.push(id);
        else out.errors.push(`${id.slice(0, 12)}: ${engineMessage(e)}`);
      }
    }),
  );
  return out;
}

export async function removeRunContainers(docker: Docker, runId: string): Promise<RemoveResult> {
  const list = await listAgentabContainers(docker, runId);
  return removeContainers(
    docker,
    list.map((c) => c.Id),
  );
}
