/**
 * The runner image: built offline by containers/build-image.sh (a debootstrap root
 * filesystem + the host's Node + the installed runner packages, `podman import`), tagged
 * by content so a build is a no-op until a runner version, Node or the script changes.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { execa } from 'execa';
import type { ContainerEnv } from '../../../config/container-env.ts';
import { ContainerError, engineMessage, engineStatus } from './errors.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BUILD_SCRIPT = fileURLToPath(new URL('../../../../containers/build-image.sh', import.meta.url));

export interface BuildImageOptions {
  env: ContainerEnv;
  /** Which CLI imports the image (the engine the launcher talks to); default: the script's choice. */
  engineCli?: 'podman' | 'docker';
  /** Rebuild even when the tag exists. */
  force?: boolean;
  /** The GCE runner image: also agentab itself at /opt/agentab (what vm/task-entry.sh runs). */
  withAgentab?: boolean;
  /** Progress lines of the build (stderr of the script). */
  onProgress?: (line: string) => void;
  /** The Node runtime copied into the image (default: this one). */
  nodeBin?: string;
}

function scriptEnv(o: BuildImageOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: o.env.path,
    HOME: o.env.home,
    AGENTAB_ROOT: PROJECT_ROOT,
    AGENTAB_NODE: o.nodeBin ?? process.execPath,
    AGENTAB_CACHE_DIR: o.env.cacheDir,
  };
  if (o.engineCli) env.AGENTAB_ENGINE = o.engineCli;
  return env;
}

async function runScript(args: string[], o: BuildImageOptions): Promise<string> {
  const sub = execa('bash', [BUILD_SCRIPT, ...args], { env: scriptEnv(o), extendEnv: false, reject: false, stdin: 'ignore', buffer: { stdout: true, stderr: false }, stderr: 'pipe' });
  const tail: string[] = [];
  if (sub.stderr) {
    createInterface({ input: sub.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      o.onProgress?.(line);
    });
  }
  const r = await sub;
  const ref = String(r.stdout).trim().split('\n').pop() ?? '';
  if (r.exitCode !== 0 || !ref) {
    throw new ContainerError('container_image_failed', `building the runner image failed (${BUILD_SCRIPT} ${args.join(' ')}: ${r.exitCode === undefined ? r.shortMessage : `exit ${r.exitCode}`})${tail.length ? `:\n${tail.join('\n')}` : ''}`);
  }
  return ref;
}

/** The reference the offline build gives for the current content (no build). */
export function offlineImageRef(o: BuildImageOptions): Promise<string> {
  return runScript(['--print-tag', ...(o.withAgentab ? ['--with-agentab'] : [])], o);
}

/** Builds the offline image unless its tag exists; returns its reference. */
export function buildOfflineImage(o: BuildImageOptions): Promise<string> {
  return runScript([...(o.force ? ['--force'] : []), ...(o.withAgentab ? ['--with-agentab'] : [])], o);
}

export interface ImageInfo {
  ref: string;
  /** sha256:… content id of the image (its config digest). */
  id: string;
  /** RepoDigests, when the image came from a registry. */
  digests: string[];
  user: string;
}

/** The image's identity, or undefined when the engine does not have it. */
export async function inspectImage(docker: Docker, ref: string): Promise<ImageInfo | undefined> {
  try {
    const i = await docker.getImage(ref).inspect();
    return { ref, id: i.Id, digests: i.RepoDigests ?? [], user: i.Config?.User ?? '' };
  } catch (e) {
    if (engineStatus(e) === 404) return undefined;
    throw new ContainerError('container_image_failed', `cannot inspect image ${ref}: ${engineMessage(e)}`, { cause: e });
  }
}
