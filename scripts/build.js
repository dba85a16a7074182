#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ to dist/ (tsconfig.build.json), copies the non-TypeScript
 * files of src/ beside it, bundles the proxy command into one file (scripts/bundle-proxy.js),
 * and stamps dist/ with the fingerprint of the sources it was built from (bin/launch.js runs dist/ only while that fingerprint matches).
 *
 * The stamp is removed first and written last, and only when the sources did not change
 * while compiling, so a failed, interrupted or racing build never looks fresh.
 *
 *   node scripts/build.js          # fails on a compile error
 *   node scripts/build.js --soft   # `prepare` (npm install): warns instead, and the CLI
 *                                  # keeps running the sources through tsx
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILD_STAMP, DIST_DIR, PACKAGE_ROOT, sourceFingerprint, sourceStats } from '../bin/launch.js';
import { bundleProxy } from './bundle-proxy.js';

const soft = process.argv.includes('--soft');

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  if (soft) process.stderr.write('build: agentab will run its TypeScript sources through tsx (slower start-up)\n');
  process.exit(soft ? 0 : 1);
}

// stats first: whatever changes after them changes the content hash taken after compiling
const stats = sourceStats();
const before = sourceFingerprint();
rmSync(DIST_DIR, { recursive: true, force: true });

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fail('typescript is not installed (a devDependency): nothing compiled');
}
const compiled = spawnSync(process.execPath, [tsc, '-p', join(PACKAGE_ROOT, 'tsconfig.build.json')], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
if (compiled.status !== 0) fail(`tsc exited with ${compiled.status ?? compiled.signal}`);

// Assets the code finds next to itself (e.g. the container launcher's reaper.mjs).
const srcDir = join(PACKAGE_ROOT, 'src');
for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = join(entry.parentPath ?? entry.path, entry.name);
  const to = join(DIST_DIR, from.slice(srcDir.length + 1));
  mkdirSync(join(to, '..'), { recursive: true });
  cpSync(from, to);
}

// The results viewer's front end, bundled once (src/view/ui → dist/view/app.js).
try {
  const { buildUiBundle } = await import(join(DIST_DIR, 'view', 'assets.js'));
  await buildUiBundle();
} catch (e) {
  fail(`could not bundle the viewer's front end: ${e.message}`);
}

// `agentab proxy` / `agentab sim` and what they load before serving, in one file (start-up time).
try {
  await bundleProxy(DIST_DIR);
} catch (e) {
  fail(`could not bundle the proxy command: ${e.message}`);
}

if (sourceFingerprint() !== before || sourceStats() !== stats) fail('src/ changed while compiling: dist/ is left unstamped; build again');
writeFileSync(BUILD_STAMP, JSON.stringify({ sources: before, stats, builtAt: new Date().toISOString(), node: process.version }) + '\n');
process.stderr.write(`build: dist/ is up to date with src/\n`);
