/**
 * The task's and the spec's directories, copied into each cell container at their host
 * paths, so setup and check commands that use $AGENTAB_TASK_DIR and $AGENTAB_SPEC_DIR (and
 * paths relative to them, such as `$AGENTAB_SPEC_DIR/../tasks/…`) work unchanged. Copied
 * rather than bind-mounted: a mount keeps the host's modes (a 0700 temp or home directory
 * is unreadable to the container's non-root user) and needs the engine on this host. Owned
 * by root and world-readable inside, so the runner cannot change them.
 */
import path from 'node:path';
import { execa } from 'execa';

/** Heavy or private trees that setup and check commands have no business reading. */
const EXCLUDE = ['node_modules', '.git', 'results'];
const MAX_BYTES = 512 * 1024 ** 2;

/** `dirs` with those nested in another one dropped (absolute, sorted). */
export function outermostDirs(dirs: readonly string[]): string[] {
  const sorted = [...new Set(dirs.map((d) => path.resolve(d)))].sort();
  const keep: string[] = [];
  for (const d of sorted) if (!keep.some((k) => d === k || d.startsWith(k + path.sep))) keep.push(d);
  return keep;
}

/** A tar (to extract at `/`) of the directories, root-owned, readable by everyone. */
export async function hostDirsArchive(dirs: readonly string[]): Promise<Buffer> {
  const members = outermostDirs(dirs).map((d) => path.relative('/', d));
  const r = await execa(
    'tar',
    ['-C', '/', '--numeric-owner', '--owner=0', '--group=0', '--mode=a+rX', ...EXCLUDE.map((e) => `--exclude=${e}`), '-cf', '-', '--', ...members],
    { encoding: 'buffer', maxBuffer: MAX_BYTES, reject: false, stdin: 'ignore' },
  );
  if (r.exitCode !== 0) {
    const msg = r.isMaxBuffer ? `larger than ${MAX_BYTES / 1024 ** 2} MiB` : Buffer.from(r.stderr).toString('utf8').trim().slice(0, 300);
    throw new Error(`could not pack ${members.map((m) => '/' + m).join(', ')} for the container: ${msg}`);
  }
  return Buffer.from(r.stdout);
}

/** Packs each distinct set of directories once per run. */
export class HostDirsCache {
  private readonly cache = new Map<string, Promise<Buffer>>();
  get(dirs: readonly string[]): Promise<Buffer> {
    const key = outermostDirs(dirs).join('\0');
    let p = this.cache.get(key);
    if (!p) {
      p = hostDirsArchive(dirs);
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }
}
