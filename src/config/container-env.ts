/**
 * What the container launcher reads from the process environment: where the engine's API
 * socket is (DOCKER_HOST), where Podman keeps a rootless socket, where to cache the offline
 * image's root filesystem, and the PATH to find `podman`/`docker` on.
 */
import os from 'node:os';
import path from 'node:path';
import { processEnv, type Env } from './env.ts';

export interface ContainerEnv {
  /** DOCKER_HOST, e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375. */
  dockerHost?: string;
  /** XDG_RUNTIME_DIR: where a rootless Podman puts podman/podman.sock. */
  runtimeDir?: string;
  /** AGENTAB_CACHE_DIR, else $XDG_CACHE_HOME/agentab, else ~/.cache/agentab. */
  cacheDir: string;
  /** PATH, to find the engine's CLI and the image build's tools. */
  path: string;
  /** HOME, passed to the image build script. */
  home: string;
}

const get = (env: Env, name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

export function readContainerEnv(env: Env = processEnv()): ContainerEnv {
  const home = get(env, 'HOME') ?? os.homedir();
  return {
    dockerHost: get(env, 'DOCKER_HOST'),
    runtimeDir: get(env, 'XDG_RUNTIME_DIR'),
    cacheDir: get(env, 'AGENTAB_CACHE_DIR') ?? path.join(get(env, 'XDG_CACHE_HOME') ?? path.join(home, '.cache'), 'agentab'),
    path: get(env, 'PATH') ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    home,
  };
}
