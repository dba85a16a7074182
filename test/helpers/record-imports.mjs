/**
 * `node --import ./test/helpers/record-imports.mjs …` appends the URL of every module the
 * process resolves through the ESM loader to the file named by $RECORD_IMPORTS_TO (one per
 * line), so a test can see what a command loaded. The same file is the hooks module: it is
 * registered from the main thread and runs in the loader's hooks thread.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

let logFile = null;

export function initialize(data) {
  logFile = data.logFile;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (logFile) appendFileSync(logFile, result.url + '\n');
  return result;
}

if (isMainThread && process.env.RECORD_IMPORTS_TO) {
  register(import.meta.url, { data: { logFile: process.env.RECORD_IMPORTS_TO } });
}
