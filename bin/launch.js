/**
 * What `agentab` runs: the compiled dist/ when it was built from exactly the sources now on
 * disk, else src/ through tsx. Several people edit src/ while tests spawn this CLI, so compiled
 * code that lags the sources must never run: `npm run build` (scripts/build.js) writes
 * dist/.build-stamp with the names, sizes, mtimes and a content hash of every file that shapes
 * the output (src/**, the tsconfigs, the build scripts), and dist/ is used only while they still match. The
 * quick check stats the files (~10 ms of CPU); only when a stat differs are contents hashed.
 *
 * AGENTAB_RUN_FROM overrides the choice: `src` always runs the sources through tsx; `dist`
 * insists on the compiled code and fails when it is missing or stale (benchmarks use it);
 * `auto` (the default) picks as above.
 *
 * Plain JavaScript on purpose: it runs before any TypeScript loader exists.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = join(PACKAGE_ROOT, 'dist');
export const BUILD_STAMP = join(DIST_DIR, '.build-stamp');
/** Files outside src/ whose content changes the compiled output (the build scripts bundle and copy). */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'scripts/bundle-proxy.js'];

/** The files that shape dist/, relative to root, in a fixed order. */
function inputFiles(root) {
  const files = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${entry.parentPath ?? entry.path}/${entry.name}`.slice(root.length + 1))
    .sort();
  return [...CONFIG_FILES, ...files];
}

/**
 * Name, size and modification time of every input file: the quick check. A file whose content
 * changed keeps both its size and its nanosecond-resolution mtime only if a tool restored the
 * mtime on purpose; the content fingerprint settles every case where this list differs.
 */
export function sourceStats(root = PACKAGE_ROOT) {
  let list = '';
  for (const file of inputFiles(root)) {
    const stat = statSync(`${root}/${file}`, { throwIfNoEntry: false });
    list += `${file}\0${stat ? `${stat.size}\0${stat.mtimeMs}` : 'absent'}\n`;
  }
  return list;
}

/** Hash of the names and contents of every input file (a missing tsconfig counts as such). */
export function sourceFingerprint(root = PACKAGE_ROOT) {
  // loaded here, not at the top: the quick check usually decides and needs no crypto
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256');
  for (const file of inputFiles(root)) {
    let content = null;
    try {
      content = readFileSync(join(root, file));
    } catch {
      // absent: recorded as such below
    }
    hash.update(`${file}\0${content === null ? -1 : content.length}\0`);
    if (content) hash.update(content);
  }
  return hash.digest('hex');
}

/** The stamp of the last complete build ({ sources, stats }), or null when there is none. */
export function readBuildStamp(root = PACKAGE_ROOT) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, 'dist', '.build-stamp'), 'utf8'));
    return typeof stamp.sources === 'string' ? stamp : null;
  } catch {
    return null;
  }
}

/** Whether dist/ was built from the sources now on disk: same file list, sizes and mtimes, else same contents. */
export function distIsFresh(root = PACKAGE_ROOT) {
  const stamp = readBuildStamp(root);
  if (stamp === null) return false;
  if (stamp.stats === sourceStats(root)) return true;
  return stamp.sources === sourceFingerprint(root);
}

/** `dist` or `src`: which code the CLI will run, per AGENTAB_RUN_FROM and the build stamp. */
export function chooseCode(env = process.env, root = PACKAGE_ROOT) {
  const from = env.AGENTAB_RUN_FROM || 'auto';
  if (from === 'src') return 'src';
  if (from === 'dist') {
    if (!distIsFresh(root)) {
      throw new Error(`AGENTAB_RUN_FROM=dist, but ${join(root, 'dist')} is ${readBuildStamp(root) ? 'older than src/' : 'not built'}: run \`npm run build\``);
    }
    return 'dist';
  }
  if (from !== 'auto') throw new Error(`AGENTAB_RUN_FROM must be src, dist or auto, got "${from}"`);
  return distIsFresh(root) ? 'dist' : 'src';
}

/** Runs the CLI's main(argv) from the code chooseCode picks. */
export async function launch(argv) {
  let code;
  try {
    code = chooseCode();
  } catch (e) {
    process.stderr.write(`agentab: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (code === 'dist') {
    const { main } = await import('../dist/cli/main.js');
    return main(argv);
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  return main(argv);
}
