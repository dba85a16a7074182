/**
 * Starts Podman's Docker-compatible API service in the background when only Podman is
 * installed: `podman system service --time=0 unix://<socket>`. It keeps running after
 * agentab exits, like a Docker daemon would, so later runs connect at once.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { ContainerError } from './errors.ts';
import { sleep } from '../../../util/sleep.ts';

const READY_TIMEOUT_MS = 20_000;

export function findOnPath(bin: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const f = path.join(dir, bin);
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      // not here
    }
  }
  return undefined;
}


export async function startPodmanService(podman: string, socket: string): Promise<void> {
  mkdirSync(path.dirname(socket), { recursive: true });
  const logFile = path.join(os.tmpdir(), `agentab-podman-service-${process.getuid?.() ?? 'user'}.log`);
  const fd = openSync(logFile, 'a');
  let exited: string | undefined;
  try {
    const child = spawn(podman, ['system', 'service', '--time=0', `unix://${socket}`], { detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', (e) => (exited = e.message));
    child.on('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
    child.unref();
  } finally {
    closeSync(fd);
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const docker = new Docker({ socketPath: socket });
  while (Date.now() < deadline) {
    if (exited) break;
    if (existsSync(socket)) {
      try {
        await docker.ping();
        return;
      } catch {
        // not accepting yet
      }
    }
    await sleep(100);
  }
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    // no log
  }
  throw new ContainerError(
    'container_engine_unavailable',
    `could not start the Podman API service (${podman} system service unix://${socket}): ${exited ?? `no answer within ${READY_TIMEOUT_MS / 1000} s`}${tail ? `\n${tail}` : ''}`,
    { retryable: true },
  );
}
