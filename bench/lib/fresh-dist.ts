/**
 * The benches that run agentab's compiled code (dist/) build it first when it is not built from
 * the sources on disk, so they never measure stale code.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { distIsFresh } from '../../bin/launch.js';
import { REPO_ROOT } from './targets.ts';

export function buildDistIfStale(): void {
  if (distIsFresh()) return;
  process.stderr.write('dist/ is not up to date with src/: building it first\n');
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}
