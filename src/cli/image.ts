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
import type { BuildFlags } from './commands/image.ts';

export async function buildCommand(flags: BuildFlags): Promise<void> {
  const log = createLogger(flags.logLevel);
  const env = readContainerEnv();
  if (flags.printTag) {
    process.stdout.write((await offlineImageRef({ env })) + '\n');
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
  const ref = await buildOfflineImage({ env, engineCli: engine?.kind, force: flags.force, onProgress: (line) => process.stderr.write(line + '\n') });
  const info = engine ? await inspectImage(engine.docker, ref) : undefined;
  if (flags.json) {
    process.stdout.write(JSON.stringify({ image: ref, id: info?.id ?? null, engine: engine?.version ?? null, seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
  } else {
    process.stdout.write(`${ref}${info ? `  ${info.id}` : ''}\n`);
  }
}
