/**
 * Pushes a local image to a registry through the engine's Docker API (dockerode; Docker or
 * Podman's compat service): tags it `<registry>/<path>:<tag>`, pushes with the given
 * credentials, and returns the pushed reference pinned by digest, which is what a GCE Batch
 * job should run (a tag can move; a digest cannot).
 */
import type Docker from 'dockerode';
import { ContainerError, engineMessage } from './errors.ts';

export interface PushTarget {
  /** Registry host[:port], e.g. us-central1-docker.pkg.dev or 127.0.0.1:5000. */
  registry: string;
  /** Repository path within it, e.g. my-project/agentab/runner. */
  repository: string;
  tag: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Parses `host[:port]/path[:tag]` (the tag defaults to `defaultTag`). Artifact Registry's
 * form is `<region>-docker.pkg.dev/<project>/<repository>/<image>`.
 */
export function parsePushTarget(target: string, defaultTag: string): PushTarget {
  const bad = (why: string) => new ContainerError('container_options_invalid', `--to "${target}": ${why} (expected <registry-host>/<path>[:<tag>], e.g. us-central1-docker.pkg.dev/my-project/agentab/runner)`);
  if (target.includes('@')) throw bad('give a tag, not a digest');
  const slash = target.indexOf('/');
  if (slash <= 0) throw bad('no registry host');
  const registry = target.slice(0, slash);
  if (!/[.:]/.test(registry) && registry !== 'localhost') throw bad(`"${registry}" is not a registry host (it needs a "." or a port)`);
  let rest = target.slice(slash + 1);
  let tag = defaultTag;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  if (!rest || !rest.split('/').every((c) => PATH_COMPONENT.test(c))) throw bad(`"${rest}" is not a repository path (lowercase letters, digits, ".", "_", "-" between "/")`);
  return { registry, repository: rest, tag };
}

export const targetRef = (t: PushTarget): string => `${t.registry}/${t.repository}:${t.tag}`;

/** A registry on this machine: engines talk plain HTTP to it (the test registry). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export interface PushOptions {
  docker: Docker;
  /** Local image reference (or id). */
  image: string;
  target: PushTarget;
  /** Registry credentials; Artifact Registry: username oauth2accesstoken, password an access token. */
  auth?: { username: string; password: string };
  /** Plain HTTP / unverified TLS (default: for loopback registries only). */
  insecure?: boolean;
  onProgress?: (line: string) => void;
}

export interface PushResult {
  /** registry/path:tag */
  ref: string;
  /** registry/path@sha256:… */
  pinned: string;
  digest: string;
}

interface PushEvent {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Digest?: string };
  id?: string;
}

export async function pushImage(o: PushOptions): Promise<PushResult> {
  const name = `${o.target.registry}/${o.target.repository}`;
  const ref = targetRef(o.target);
  try {
    await o.docker.getImage(o.image).tag({ repo: name, tag: o.target.tag });
  } catch (e) {
    throw new ContainerError('container_image_failed', `cannot tag ${o.image} as ${ref}: ${engineMessage(e)}`, { cause: e });
  }
  const insecure = o.insecure ?? isLoopbackRegistry(o.target.registry);
  let digest: string | undefined;
  let failure: string | undefined;
  try {
    const stream = await o.docker.getImage(name).push({
      tag: o.target.tag,
      ...(o.auth ? { authconfig: { ...o.auth, serveraddress: o.target.registry } } : {}),
      // Podman's compat API: plain HTTP to the registry (Docker allows loopback registries by itself)
      ...(insecure ? { tlsVerify: false } : {}),
    } as Docker.ImagePushOptions);
    await new Promise<void>((resolve, reject) => {
      o.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (e: PushEvent) => {
          if (e.error || e.errorDetail?.message) failure ??= e.errorDetail?.message ?? e.error;
          digest ??= e.aux?.Digest ?? /digest: (sha256:[0-9a-f]{64})/.exec(e.status ?? '')?.[1];
          if (e.status) o.onProgress?.(`${e.id ? `${e.id}: ` : ''}${e.status}`);
        },
      );
    });
  } catch (e) {
    failure ??= engineMessage(e);
  }
  if (failure) throw new ContainerError('container_image_failed', `pushing ${ref} failed: ${failure}`, { retryable: true });
  if (!digest) throw new ContainerError('container_image_failed', `pushing ${ref}: the engine reported no digest`);
  return { ref, pinned: `${name}@${digest}`, digest };
}
