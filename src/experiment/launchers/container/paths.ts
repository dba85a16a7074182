/**
 * The layout inside the runner image (containers/Containerfile and build-image.sh make the
 * same one): runner packages under /opt/agents/node_modules, Node at /opt/agents/bin/node,
 * a non-root `agent` user whose home holds the cell's workspace.
 */
import path from 'node:path';

export const AGENT_USER = 'agent';
export const AGENT_UID = 1000;
export const AGENT_GID = 1000;
export const CONTAINER_HOME = '/home/agent';
export const CONTAINER_WORKSPACE = `${CONTAINER_HOME}/work`;
export const AGENTS_DIR = '/opt/agents';
export const CONTAINER_PATH = `${AGENTS_DIR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

/**
 * Where a runner binary resolved on the host lives in the image: a file of an npm package
 * (…/node_modules/<pkg>/…) is under /opt/agents/node_modules; anything else (e.g. /bin/sh)
 * is expected at the same path.
 */
export function containerBin(hostBin: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const i = hostBin.lastIndexOf(marker);
  return i < 0 ? hostBin : path.posix.join(AGENTS_DIR, 'node_modules', hostBin.slice(i + marker.length).split(path.sep).join('/'));
}

/** Variables of the orchestrator's base environment that still mean something inside. */
const KEEP = ['TZ', 'TERM', 'NO_COLOR', 'CI'] as const;

/** The base environment of every process in a cell container. */
export function containerBaseEnv(hostBase: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of KEEP) if (hostBase[k] !== undefined) env[k] = hostBase[k];
  // the host's locale may not exist in a minimal image; C.UTF-8 always does
  return { ...env, PATH: CONTAINER_PATH, HOME: CONTAINER_HOME, USER: AGENT_USER, LOGNAME: AGENT_USER, SHELL: '/bin/bash', LANG: 'C.UTF-8', TMPDIR: '/tmp' };
}

/** A path the runner sees under its home, as a path relative to the home (or undefined). */
export function relativeToHome(containerPath: string): string | undefined {
  const rel = path.posix.relative(CONTAINER_HOME, containerPath);
  return rel && !rel.startsWith('..') && !path.posix.isAbsolute(rel) ? rel : undefined;
}
