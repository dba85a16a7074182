/**
 * `agentab image build`: builds the runner image offline (containers/build-image.sh: a
 * debootstrap root filesystem, the host's Node, the installed runner CLIs), tagged by
 * content, so it is a no-op until a runner version, Node or the script changes.
 */
import type { Command } from 'commander';
import { readContainerEnv } from '../config/container-env.ts';
import { discoverEngine, type Engine } from '../experiment/launchers/container/engine.ts';
import { buildOfflineImage, inspectImage, offlineImageRef } from '../experiment/launchers/container/image.ts';
import { createLogger, type Level } from '../util/log.ts';

interface BuildFlags {
  force?: boolean;
  printTag?: boolean;
  engine?: string;
  json?: boolean;
  logLevel: Level;
}

async function buildCommand(flags: BuildFlags): Promise<void> {
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

export function registerImageCommand(program: Command): void {
  const image = program.command('image').description('The runner image of the container launcher.');
  image
    .command('build')
    .description('Build the runner image offline (debootstrap + the host\'s Node + the installed runner CLIs); a no-op when it is up to date.')
    .option('--force', 'rebuild even when the image for the current content exists')
    .option('--print-tag', 'print the image reference for the current content and exit (no build)')
    .option('--engine <endpoint>', 'container engine API (unix:///path.sock, tcp://host:port); default: DOCKER_HOST, Docker, Podman')
    .option('--json', 'print JSON')
    .option('--log-level <level>', 'debug | info | warn | error', 'warn')
    .action(buildCommand);
}
