/** Declares `agentab image`; the work is in ../image.ts, loaded when it runs. */
import type { Command } from 'commander';
import type { Level } from '../../util/log.ts';
import { logLevelOption } from './log-level.ts';

export interface BuildFlags {
  force?: boolean;
  printTag?: boolean;
  withAgentab?: boolean;
  engine?: string;
  json?: boolean;
  logLevel: Level;
}

export function registerImageCommand(program: Command): void {
  const image = program.command('image').description('The runner image of the container launcher.');
  image
    .command('build')
    .description('Build the runner image offline (debootstrap + the host\'s Node + the installed runner CLIs); a no-op when it is up to date.')
    .option('--force', 'rebuild even when the image for the current content exists')
    .option('--print-tag', 'print the image reference for the current content and exit (no build)')
    .option('--with-agentab', 'the GCE runner image: agentab itself too, at /opt/agentab (what each GCE VM runs)')
    .option('--engine <endpoint>', 'container engine API (unix:///path.sock, tcp://host:port); default: DOCKER_HOST, Docker, Podman')
    .option('--json', 'print JSON')
    .addOption(logLevelOption('warn'))
    .action(async (flags: BuildFlags) => (await import('../image.ts')).buildCommand(flags));
  image
    .command('push')
    .description('Tag and push an image (default: the GCE runner image, built if needed) to a registry such as Artifact Registry, with a token from Google\'s Application Default Credentials; prints the reference pinned by digest.')
    .requiredOption('--to <registry/path[:tag]>', 'e.g. us-central1-docker.pkg.dev/my-project/agentab/runner (tag: the local image\'s)')
    .option('--image <ref>', 'the local image to push (default: the GCE runner image of the current content)')
    .option('--engine <endpoint>', 'container engine API (unix:///path.sock, tcp://host:port); default: DOCKER_HOST, Docker, Podman')
    .option('--insecure', 'plain HTTP to the registry (default: only for a registry on this machine)')
    .option('--no-auth', 'push without Google credentials (a registry that needs none)')
    .option('--json', 'print JSON')
    .addOption(logLevelOption('warn'))
    .action(async (flags: PushFlags) => (await import('../image.ts')).pushCommand(flags));
}

export interface PushFlags {
  to: string;
  image?: string;
  engine?: string;
  insecure?: boolean;
  /** false with --no-auth */
  auth: boolean;
  json?: boolean;
  logLevel: Level;
}
