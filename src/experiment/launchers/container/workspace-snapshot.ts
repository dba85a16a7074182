/**
 * The workspace diff of a container cell (what `workspace-diff.ts` gives local cells): the
 * container's workspace is packed by `tar` inside the container — without the directories the
 * diff skips, so a task's node_modules never crosses the engine's API — unpacked into the
 * cell's staging dir on the host, and snapshotted there. Taken once when the runner is about to
 * start (after setup and the condition's files) and once after the check.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { SKIPPED_DIRS, snapshotWorkspace, type WorkspaceSnapshot } from '../../workspace-diff.ts';
import { extractArchive } from '../archive.ts';
import { execInContainer } from './exec.ts';
import { AGENT_USER, CONTAINER_WORKSPACE } from './paths.ts';

const SNAPSHOT_TIMEOUT_MS = 60_000;

export interface ContainerSnapshotOptions {
  docker: Docker;
  container: Docker.Container;
  /** The cell's staging dir on the host; `<stage>/<name>` receives the copy. */
  stage: string;
  name: string;
  stop: () => Promise<void>;
  signal?: AbortSignal;
}

/** Snapshot of the container's workspace; throws with tar's words when it cannot be taken. */
export async function snapshotContainerWorkspace(o: ContainerSnapshotOptions): Promise<WorkspaceSnapshot> {
  const dir = path.join(o.stage, o.name);
  const tarFile = path.join(o.stage, `${o.name}.tar`);
  const errFile = path.join(o.stage, `${o.name}.tar.log`);
  await rm(dir, { recursive: true, force: true });
  await rm(tarFile, { force: true });
  const excludes = [...SKIPPED_DIRS].map((d) => `--exclude=${d}`);
  const r = await execInContainer({
    docker: o.docker,
    container: o.container,
    argv: ['tar', '-C', CONTAINER_WORKSPACE, ...excludes, '-cf', '-', '.'],
    env: {},
    user: AGENT_USER,
    cwd: CONTAINER_WORKSPACE,
    stdoutFile: tarFile,
    stderrFile: errFile,
    timeoutMs: SNAPSHOT_TIMEOUT_MS,
    stop: o.stop,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  // GNU tar exits 1 when a file changed while it was read: the copy is still usable
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`tar of the container's workspace failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}${r.spawnError ? `: ${r.spawnError}` : ''})`);
  await extractArchive(createReadStream(tarFile), dir);
  await rm(tarFile, { force: true });
  return snapshotWorkspace(dir);
}
