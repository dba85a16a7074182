/**
 * Last line of defence for a run's containers: when the orchestrator process exits with
 * containers still alive (a second Ctrl-C calls process.exit, an uncaught error ends the
 * process), an `exit` handler removes them synchronously by running reaper.mjs with
 * spawnSync. Only a SIGKILL escapes this; `agentab clean` finds those leftovers by label.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Connection } from './engine.ts';

const REAPER = fileURLToPath(new URL('./reaper.mjs', import.meta.url));
const REAPER_TIMEOUT_MS = 30_000;

/** Runs the reaper now, synchronously; true when it exited cleanly. */
export function reapRunNow(connection: Connection, runId: string): boolean {
  const r = spawnSync(process.execPath, [REAPER, JSON.stringify(connection), runId], { stdio: 'ignore', timeout: REAPER_TIMEOUT_MS });
  return r.status === 0;
}

/**
 * Arms the exit handler; returns the function that disarms it (after a clean dispose).
 * `stagingDir`, when given, is deleted too.
 */
export function armExitReaper(connection: Connection, runId: string, hasLiveContainers: () => boolean, stagingDir?: string): () => void {
  const onExit = () => {
    if (hasLiveContainers()) reapRunNow(connection, runId);
    if (stagingDir) rmSync(stagingDir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}
