/** The container launcher's options: the spec's `launcher:` block, validated, with defaults. */
import { ContainerLauncherOptionsSchema } from '../../../config/experiment-schema.ts';
import { describeOptionIssues } from '../../../config/zod-issues.ts';
import { ContainerError } from './errors.ts';

export interface ContainerOptions {
  /** Image reference; undefined: the offline-built runner image. */
  image?: string;
  cpus: number;
  memoryBytes: number;
  network: string;
  /** Engine endpoint; undefined: discovered. */
  engine?: string;
  killGraceMs: number;
}

export const CONTAINER_DEFAULTS = { cpus: 1, memory: '2g', network: 'host', killGraceMs: 2000 } as const;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes of a size: a number of bytes, or "2g", "512m", "1.5GiB" (binary units, as Docker's --memory). */
export function parseMemory(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new ContainerError('container_options_invalid', `launcher.memory: not a size: "${v}" (use e.g. "2g" or "512m")`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

export function parseContainerOptions(raw: Record<string, unknown>): ContainerOptions {
  const r = ContainerLauncherOptionsSchema.safeParse(raw);
  if (!r.success) {
    throw new ContainerError('container_options_invalid', `invalid container launcher options: ${describeOptionIssues(r.error, ContainerLauncherOptionsSchema, raw, 'launcher')}`);
  }
  const o = r.data;
  const memoryBytes = parseMemory(o.memory ?? CONTAINER_DEFAULTS.memory);
  // Docker and Podman refuse a memory limit below 6 MiB; say so before any container starts
  if (memoryBytes < 6 * 1024 ** 2) throw new ContainerError('container_options_invalid', `launcher.memory: ${memoryBytes} bytes is below the engines' minimum of 6 MiB`);
  return {
    image: o.image,
    cpus: o.cpus ?? CONTAINER_DEFAULTS.cpus,
    memoryBytes,
    network: o.network ?? CONTAINER_DEFAULTS.network,
    engine: o.engine,
    killGraceMs: o.kill_grace_ms ?? CONTAINER_DEFAULTS.killGraceMs,
  };
}
