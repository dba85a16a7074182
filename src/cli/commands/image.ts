/** Declares `agentab image`; the work is in ../image.ts, loaded when it runs. */
import type { Command } from 'commander';
import type { Level } from '../../util/log.ts';

export interface BuildFlags {
  force?: boolean;
  printTag?: boolean;
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
    .option('--engine <endpoint>', 'container engine API (unix:///path.sock, tcp://host:port); default: DOCKER_HOST, Docker, Podman')
    .option('--json', 'print JSON')
    .option('--log-level <level>', 'debug | info | warn | error', 'warn')
    .action(async (flags: BuildFlags) => (await import('../image.ts')).buildCommand(flags));
}
