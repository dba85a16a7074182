/**
 * Finds a Docker-Engine-API endpoint and connects dockerode to it. The same code drives
 * Docker and Podman (through Podman's Docker-compatible service). Order: an explicit
 * endpoint (the spec's `engine`), DOCKER_HOST, Docker's default socket, Podman's rootful or
 * rootless socket; when none answers but `podman` is installed, the Podman service is
 * started in the background (`podman system service --time=0 unix://…`) and waited for.
 */
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import type { ContainerEnv } from '../../../config/container-env.ts';
import { ContainerError, engineMessage } from './errors.ts';
import { startPodmanService, findOnPath } from './podman-service.ts';

/** How to reach an engine; serialisable, so another process (the exit reaper) can reconnect. */
export type Connection = { socketPath: string } | { host: string; port: number; protocol: 'http' | 'https' };

export interface Engine {
  docker: Docker;
  connection: Connection;
  /** For messages: unix:///run/podman/podman.sock, tcp://host:port. */
  endpoint: string;
  kind: 'podman' | 'docker';
  /** The engine's version, e.g. "podman 4.3.1". */
  version: string;
  /** This process started the Podman service (it keeps running, like a daemon). */
  startedService: boolean;
}

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const PODMAN_ROOT_SOCKET = '/run/podman/podman.sock';
const PING_TIMEOUT_MS = 3000;

/** Parses `unix:///path`, a bare socket path, or `tcp://host:port` (`https://` for TLS). */
export function parseEndpoint(endpoint: string): Connection {
  if (endpoint.startsWith('/')) return { socketPath: endpoint };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ContainerError('container_options_invalid', `not an engine endpoint: "${endpoint}" (use unix:///path/to.sock, a socket path, or tcp://host:port)`);
  }
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const port = Number(url.port || (url.protocol === 'https:' ? 2376 : 2375));
    return { host: url.hostname, port, protocol: url.protocol === 'https:' ? 'https' : 'http' };
  }
  throw new ContainerError('container_options_invalid', `unsupported engine endpoint "${endpoint}" (supported: unix://, tcp://, https://)`);
}

export function describeConnection(c: Connection): string {
  return 'socketPath' in c ? `unix://${c.socketPath}` : `${c.protocol === 'https' ? 'https' : 'tcp'}://${c.host}:${c.port}`;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Connects and identifies the engine, or throws with the engine's (or the socket's) message. */
export async function connect(c: Connection, startedService = false): Promise<Engine> {
  const docker = new Docker(c);
  const endpoint = describeConnection(c);
  let v: Docker.DockerVersion;
  try {
    await withTimeout(docker.ping(), PING_TIMEOUT_MS, endpoint);
    v = await withTimeout(docker.version(), PING_TIMEOUT_MS, endpoint);
  } catch (e) {
    throw new ContainerError('container_engine_unavailable', `the container engine at ${endpoint} does not answer: ${engineMessage(e)}`, { cause: e, retryable: true });
  }
  const podman = (v.Components ?? []).find((x) => /podman/i.test(x.Name));
  return {
    docker,
    connection: c,
    endpoint,
    kind: podman ? 'podman' : 'docker',
    version: podman ? `podman ${podman.Version}` : `docker ${v.Version}`,
    startedService,
  };
}

export interface DiscoverOptions {
  /** The spec's `engine`: used alone when given. */
  endpoint?: string;
  env: ContainerEnv;
  /** Start Podman's service when only Podman is installed (default true). */
  startPodman?: boolean;
  /** Root runs the rootful Podman socket; others the rootless one. */
  isRoot?: boolean;
}

/** Candidate sockets in the order they are tried. */
export function candidateSockets(env: ContainerEnv, isRoot: boolean): string[] {
  const out = [DOCKER_SOCKET];
  if (isRoot) out.push(PODMAN_ROOT_SOCKET);
  if (env.runtimeDir) out.push(`${env.runtimeDir}/podman/podman.sock`);
  if (!isRoot) out.push(PODMAN_ROOT_SOCKET);
  return out;
}

export function podmanSocketFor(env: ContainerEnv, isRoot: boolean): string | undefined {
  if (isRoot) return PODMAN_ROOT_SOCKET;
  return env.runtimeDir ? `${env.runtimeDir}/podman/podman.sock` : undefined;
}

export async function discoverEngine(o: DiscoverOptions): Promise<Engine> {
  if (o.endpoint) return connect(parseEndpoint(o.endpoint));
  if (o.env.dockerHost) return connect(parseEndpoint(o.env.dockerHost));
  const isRoot = o.isRoot ?? process.getuid?.() === 0;
  const tried: string[] = [];
  for (const socketPath of candidateSockets(o.env, isRoot)) {
    if (!existsSync(socketPath)) continue;
    try {
      return await connect({ socketPath });
    } catch (e) {
      tried.push((e as Error).message);
    }
  }
  const podman = findOnPath('podman', o.env.path);
  const socket = podmanSocketFor(o.env, isRoot);
  if (podman && socket && o.startPodman !== false) {
    await startPodmanService(podman, socket);
    return connect({ socketPath: socket }, true);
  }
  const why = tried.length ? ` (${tried.join('; ')})` : '';
  throw new ContainerError(
    'container_engine_unavailable',
    `no container engine found: no DOCKER_HOST, no answering socket at ${candidateSockets(o.env, isRoot).join(', ')}${why}, and podman is not installed. ` +
      'Install Podman with containers/setup-podman.sh (or start Docker), or set launcher.engine / DOCKER_HOST.',
  );
}
