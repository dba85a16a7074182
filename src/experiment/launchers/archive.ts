/**
 * Files in and out of a container go through the engine's archive API as tar streams.
 * The tar side is the host's GNU tar: it handles modes, symlinks, hard links and owner
 * rewriting (`--owner`) for a whole workspace, where tar-stream (only a transitive
 * dependency here, untyped) would need all of that written by hand.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { execa } from 'execa';

const MAX_ARCHIVE_BYTES = 2 * 1024 ** 3;

/**
 * A tar of `members` (paths relative to `dir`, default everything) with every entry owned
 * by uid:gid, in memory: the engines take a body of known length more reliably than a
 * chunked stream (Podman's compat API may answer before a piped stream is consumed).
 */
export async function tarDirectory(dir: string, o: { uid: number; gid: number; members?: string[] }): Promise<Buffer> {
  const members = o.members ?? ['.'];
  const r = await execa('tar', ['-C', dir, '--numeric-owner', `--owner=${o.uid}`, `--group=${o.gid}`, '-cf', '-', '--', ...members], {
    encoding: 'buffer',
    maxBuffer: MAX_ARCHIVE_BYTES,
    reject: false,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0) throw new Error(`tar of ${dir} failed: ${Buffer.from(r.stderr).toString('utf8').trim().slice(0, 300)}`);
  return Buffer.from(r.stdout);
}

/** Extracts a tar stream into `dest` (created), owned by the current user. */
export async function extractArchive(stream: NodeJS.ReadableStream, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-C', dest, '--no-same-owner', '--no-same-permissions', '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar -x into ${dest} failed: ${err.trim().slice(0, 300) || `exit ${code}`}`))));
    stream.on('error', (e) => {
      tar.stdin.destroy();
      reject(e);
    });
    stream.pipe(tar.stdin);
  });
}
