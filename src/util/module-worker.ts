/**
 * A worker thread running one of our modules, built or not: from dist/ (a .js file) the file is
 * started directly; as TypeScript source (a checkout run through tsx, where loader flags do not
 * reach a worker's entry) a small eval'd script registers tsx in the worker first, then imports it.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `moduleUrl`: the module's import.meta.url, or a URL built from it. */
export function startModuleWorker(moduleUrl: string | URL, options: WorkerOptions = {}): Worker {
  const file = fileURLToPath(moduleUrl);
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`;
  // object-spread: once per worker started
  return new Worker(code, { ...options, eval: true });
}
