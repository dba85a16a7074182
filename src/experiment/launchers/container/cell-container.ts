/**
 * The create request of a cell's container, and how the container reaches the proxy: with
 * `--network host` at the orchestrator's own URL; on any other network through the host's
 * alias (`host.containers.internal` on Podman, `host.docker.internal` on Docker).
 */
import type Docker from 'dockerode';
import { ContainerError } from './errors.ts';
import { AGENT_USER, CONTAINER_HOME } from './paths.ts';

export interface CellContainerSpec {
  image: string;
  name: string;
  labels: Record<string, string>;
  cpus: number;
  memoryBytes: number;
  network: string;
  engineKind: 'podman' | 'docker';
}

export function createOptions(s: CellContainerSpec): Docker.ContainerCreateOptions {
  return {
    name: s.name,
    Image: s.image,
    // the container only hosts the cell's processes (started with exec); PID 1 idles
    Cmd: ['sleep', 'infinity'],
    Entrypoint: [],
    User: AGENT_USER,
    WorkingDir: CONTAINER_HOME,
    Labels: s.labels,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      NetworkMode: s.network,
      NanoCpus: Math.round(s.cpus * 1e9),
      Memory: s.memoryBytes,
      // no swap beyond the memory limit, so the limit means what it says
      MemorySwap: s.memoryBytes,
      AutoRemove: false,
      ...(s.network !== 'host' && s.engineKind === 'docker' ? { ExtraHosts: ['host.docker.internal:host-gateway'] } : {}),
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The proxy root URL as a cell container sees it; throws when it cannot reach it at all. */
export function proxyUrlForContainers(proxyUrl: string, network: string, engineKind: 'podman' | 'docker'): string {
  if (network === 'host') return proxyUrl;
  const u = new URL(proxyUrl);
  if (LOOPBACK.has(u.hostname)) {
    throw new ContainerError(
      'container_options_invalid',
      `launcher.network "${network}": the proxy listens on ${u.hostname}, which a container on that network cannot reach; use network: host, or run the proxy on an address the containers can reach`,
    );
  }
  u.hostname = engineKind === 'podman' ? 'host.containers.internal' : 'host.docker.internal';
  return u.toString().replace(/\/$/, '');
}
