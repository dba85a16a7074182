/**
 * The create request of a cell's container, and how the container reaches the proxy: with
 * `--network host` at the orchestrator's own URL; on any other network through the host's
 * alias (`host.containers.internal` on Podman, `host.docker.internal` on Docker).
 */
import { readFileSync } from 'node:fs';
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
  /** Explicit resource limits (see cellUlimits); absent: the engine's defaults. */
  ulimits?: Docker.HostConfig['Ulimits'];
}

/** What a cell's processes get at most: enough for an agent CLI and its tools, far below any sane host's hard limits. */
const WANTED_ULIMITS = { nofile: 8192, nproc: 4096 } as const;

/** Hard limits from a /proc/<pid>/limits text (Infinity for "unlimited"; absent rows are unknown). */
export function hardLimits(limitsText: string): { nofile?: number; nproc?: number } {
  const hard = (label: string): number | undefined => {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(limitsText);
    if (!m) return undefined;
    return m[2] === 'unlimited' ? Infinity : Number(m[2]);
  };
  return { nofile: hard('Max open files'), nproc: hard('Max processes') };
}

/**
 * The cell container's ulimits, set explicitly so a cell never depends on the engine's
 * host-wide defaults (a Podman service started before its config was written keeps defaults
 * above the host's hard limits forever, and every cell then fails with "error setting rlimit
 * type 7: operation not permitted"). Each is the wanted value or half this host's hard limit,
 * whichever is lower (asking for exactly the hard limit fails with EPERM in nested sandboxes).
 */
export function cellUlimits(limitsText: string = readLimits()): NonNullable<Docker.HostConfig['Ulimits']> {
  const hard = hardLimits(limitsText);
  const pick = (wanted: number, h: number | undefined): number => (h === undefined || !Number.isFinite(h) ? wanted : Math.max(1, Math.min(wanted, Math.floor(h / 2))));
  const nofile = pick(WANTED_ULIMITS.nofile, hard.nofile);
  const nproc = pick(WANTED_ULIMITS.nproc, hard.nproc);
  return [
    { Name: 'nofile', Soft: nofile, Hard: nofile },
    { Name: 'nproc', Soft: nproc, Hard: nproc },
  ];
}

function readLimits(): string {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return ''; // not Linux: the wanted values
  }
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
      ...(s.ulimits ? { Ulimits: s.ulimits } : {}),
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
