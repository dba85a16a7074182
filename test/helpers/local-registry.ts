/**
 * A real container registry on loopback for the image tests: Debian's `docker-registry`
 * (the CNCF distribution registry) serving a temporary directory on 127.0.0.1:<free port>.
 * Engines talk plain HTTP to it (agentab's push and the fake Batch's pull pass Podman's
 * `tlsVerify: false` for loopback registries).
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { findOnPath } from '../../src/experiment/launchers/container/podman-service.ts';
import { until } from '../containers/helpers.ts';
import { tempDir } from '../experiment/helpers.ts';

/** The registry binary, or undefined when the package is not installed. */
export const REGISTRY_BIN = findOnPath('docker-registry', process.env.PATH ?? '/usr/bin:/bin');

/** Why the registry tests cannot run here, or false. */
export const registryMissing: string | false = REGISTRY_BIN ? false : 'docker-registry is not installed (apt-get install docker-registry)';

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export interface LocalRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  /** The registry's access log so far: one line per HTTP request it served (`"GET /v2/… HTTP/1.1" 200 …`). */
  accessLog(): string[];
  close(): Promise<void>;
}

/** Starts the registry and waits until it answers /v2/ (bounded: 30 s). */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  if (!REGISTRY_BIN) throw new Error(registryMissing as string);
  const dir = tempDir('agentab-registry-');
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${host}\n`);
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const access: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (/"(GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\//.test(line) && access.length < 10_000) access.push(line);
    });
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await until(async () => (await fetch(`http://${host}/v2/`).catch(() => undefined))?.status === 200, 30_000, `the registry on ${host}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    host,
    accessLog: () => [...access],
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
