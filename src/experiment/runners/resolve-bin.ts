/**
 * Finds a runner binary: an explicit path from the spec, else the `bin` of the npm package
 * installed with agentab (resolved from this module, so it works wherever agentab lives).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RunnerNotFoundError } from './types.ts';

const require = createRequire(import.meta.url);

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `binName` from npm package `pkg`, or throws RunnerNotFoundError. */
export function packageBin(runner: string, pkg: string, binName: string): string {
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new RunnerNotFoundError(runner, `the npm package ${pkg} is not installed (run \`npm install\` in the agentab directory)`);
  }
  const json = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  const rel = typeof json.bin === 'string' ? json.bin : json.bin?.[binName];
  if (!rel) throw new RunnerNotFoundError(runner, `${pkg} declares no "${binName}" binary`);
  const file = path.resolve(path.dirname(manifest), rel);
  if (!isExecutable(file)) {
    throw new RunnerNotFoundError(runner, `${file} is missing or not executable (its postinstall may not have run: try \`npm rebuild ${pkg}\`)`);
  }
  return file;
}

export function explicitBin(runner: string, file: string): string {
  if (!isExecutable(file)) throw new RunnerNotFoundError(runner, `${file} is missing or not executable`);
  return file;
}
