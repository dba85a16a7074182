/**
 * `agentab image build`: builds the runner image offline (containers/build-image.sh: a
 * debootstrap root filesystem, the host's Node, the installed runner CLIs), tagged by
 * content, so it is a no-op until a runner version, Node or the script changes.
 * The flags are declared in commands/image.ts; this module loads only when the command runs.
 */
import { readContainerEnv } from '../config/container-env.ts';
import { discoverEngine, type Engine } from '../experiment/launchers/container/engine.ts';
import { buildOfflineImage, inspectImage, offlineImageRef } from '../experiment/launchers/container/image.ts';
import { createLogger } from '../util/log.ts';
import type { BuildFlags, PushFlags } from './commands/image.ts';
import { parsePushTarget, pushImage } from '../experiment/launchers/container/push.ts';

export async function buildCommand(flags: BuildFlags): Promise<void> {
  const log = createLogger(flags.logLevel);
  const env = readContainerEnv();
  if (flags.printTag) {
    process.stdout.write((await offlineImageRef({ env, withAgentab: flags.withAgentab })) + '\n');
    return;
  }
  let engine: Engine | undefined;
  try {
    // the image must land in the engine the launcher will use: import with its CLI
    engine = await discoverEngine({ endpoint: flags.engine, env });
  } catch (e) {
    log.warn('no container engine API answers; the build script picks podman or docker itself', { error: (e as Error).message });
  }
  const started = Date.now();
  const ref = await buildOfflineImage({ env, engineCli: engine?.kind, force: flags.force, withAgentab: flags.withAgentab, onProgress: (line) => process.stderr.write(line + '\n') });
  const info = engine ? await inspectImage(engine.docker, ref) : undefined;
  if (flags.json) {
    process.stdout.write(JSON.stringify({ image: ref, id: info?.id ?? null, engine: engine?.version ?? null, seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
  } else {
    process.stdout.write(`${ref}${info ? `  ${info.id}` : ''}\n`);
  }
}

/**
 * `agentab image push --to <registry/path[:tag]>`: the GCE runner image by default (built
 * first when its content changed), pushed through the engine's API with a Google access
 * token (Artifact Registry's user `oauth2accesstoken`).
 */
export async function pushCommand(flags: PushFlags): Promise<void> {
  const env = readContainerEnv();
  const engine = await discoverEngine({ endpoint: flags.engine, env });
  const started = Date.now();
  const image = flags.image ?? (await buildOfflineImage({ env, engineCli: engine.kind, withAgentab: true, onProgress: (line) => process.stderr.write(line + '\n') }));
  const info = await inspectImage(engine.docker, image);
  if (!info) throw new Error(`image push: the engine at ${engine.endpoint} has no image ${image} (build it with \`agentab image build --with-agentab\`)`);
  const localTag = /:([^/:@]+)$/.exec(image)?.[1] ?? 'latest';
  const target = parsePushTarget(flags.to, localTag);
  let auth: { username: string; password: string } | undefined;
  if (flags.auth) {
    const { googleAccessToken } = await import('../cloud/access-token.ts');
    auth = { username: 'oauth2accesstoken', password: await googleAccessToken() };
  }
  const log = createLogger(flags.logLevel);
  const pushed = await pushImage({ docker: engine.docker, image, target, auth, insecure: flags.insecure || undefined, onProgress: (line) => log.debug(line) });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ image, pushed: pushed.ref, pinned: pushed.pinned, digest: pushed.digest, seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
  } else {
    process.stdout.write(`${pushed.pinned}\n`);
    process.stderr.write(`pushed ${image} as ${pushed.ref} in ${((Date.now() - started) / 1000).toFixed(1)} s; run it with launcher.image: ${pushed.pinned}\n`);
  }
}
