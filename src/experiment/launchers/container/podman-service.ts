/**
 * Starts Podman's Docker-compatible API service in the background when only Podman is
 * installed: `podman system service --time=0 unix://<socket>`. It keeps running after
 * agentab exits, like a Docker daemon would, so later runs connect at once.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
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


/**
 * Pids of running `podman system service` processes that serve `socket` (read from /proc;
 * empty where there is no /proc). A second service on one socket would take it over with its
 * own, possibly stale, configuration, so agentab never starts one while another is there.
 */
export function podmanServicesOn(socket: string, procDir = '/proc'): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let argv: string[];
    try {
      argv = readFileSync(path.join(procDir, e, 'cmdline'), 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    const bin = path.basename(argv[0] ?? '');
    const at = argv.indexOf('system');
    if (bin !== 'podman' || at < 0 || argv[at + 1] !== 'service') continue;
    const target = argv.slice(at + 2).find((a) => a !== '' && !a.startsWith('-'));
    // with no URI the service listens on the default socket of its user (root: /run/podman/podman.sock)
    if (target === `unix://${socket}` || target === socket || (target === undefined && socket === '/run/podman/podman.sock')) out.push(Number(e));
  }
  return out;
}

export async function startPodmanService(podman: string, socket: string, o: { procDir?: string } = {}): Promise<void> {
  mkdirSync(path.dirname(socket), { recursive: true });
  const logFile = path.join(os.tmpdir(), `agentab-podman-service-${process.getuid?.() ?? 'user'}.log`);
  let exited: string | undefined;
  const running = podmanServicesOn(socket, o.procDir);
  if (running.length === 0) {
    const fd = openSync(logFile, 'a');
    try {
      // cwd '/': the service outlives this process and serves every later run, and a service whose
      // working directory is deleted (a finished run's or test's temp dir, a removed worktree)
      // fails every container it starts afterwards with runc's "write child: broken pipe"
      const child = spawn(podman, ['system', 'service', '--time=0', `unix://${socket}`], { detached: true, cwd: '/', stdio: ['ignore', fd, fd] });
      child.on('error', (e) => (exited = e.message));
      child.on('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
      child.unref();
    } finally {
      closeSync(fd);
    }
  }
  // A service already there (another agentab, a slow start): wait for it instead of starting a second.
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
  if (running.length) {
    throw new ContainerError(
      'container_engine_unavailable',
      `a Podman API service (pid ${running.join(', ')}) serves ${socket} but did not answer within ${READY_TIMEOUT_MS / 1000} s; not starting a second one (check it with \`podman info\`, or stop it and run again)`,
      { retryable: true },
    );
  }
  throw new ContainerError(
    'container_engine_unavailable',
    `could not start the Podman API service (${podman} system service unix://${socket}): ${exited ?? `no answer within ${READY_TIMEOUT_MS / 1000} s`}${tail ? `\n${tail}` : ''}`,
    { retryable: true },
  );
}
