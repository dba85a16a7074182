/**
 * What the agent changed in its workspace: a snapshot of the workspace's files taken when the
 * runner starts (after the task's and the condition's setup), compared with the workspace when
 * the cell ends, as one unified diff (`cells/<id>/workspace.diff`) that the results viewer shows.
 * Text files are diffed line by line with `diff` (jsdiff); binary or large files are named with
 * their sizes only, so a diff stays readable and small.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';

/** Files above this size are summarised (size and hash), not diffed. */
export const MAX_DIFFED_FILE_BYTES = 256 * 1024;
/** Directories an agent or its tools fill with noise; their contents are not compared. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '__pycache__', '.venv']);
const MAX_FILES = 5000;

export interface FileState {
  size: number;
  sha256: string;
  /** The file's text, when it is text and small enough to diff. */
  text: string | null;
}

export type WorkspaceSnapshot = Map<string, FileState>;

function looksBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, 8000);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** Reads every regular file under `root` (relative POSIX paths), skipping SKIPPED_DIRS and symlinks. */
export async function snapshotWorkspace(root: string): Promise<WorkspaceSnapshot> {
  const out: WorkspaceSnapshot = new Map();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (out.size >= MAX_FILES) return;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(abs);
      } else if (entry.isFile()) {
        const rel = path.relative(root, abs).split(path.sep).join('/');
        const info = await stat(abs).catch(() => null);
        if (!info) continue;
        if (info.size > MAX_DIFFED_FILE_BYTES) {
          out.set(rel, { size: info.size, sha256: `size:${info.size}:mtime:${info.mtimeMs}`, text: null });
          continue;
        }
        const buf = await readFile(abs).catch(() => null);
        if (!buf) continue;
        out.set(rel, { size: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), text: looksBinary(buf) ? null : buf.toString('utf8') });
      }
    }
  };
  await walk(root);
  return out;
}

export interface WorkspaceChange {
  path: string;
  kind: 'added' | 'deleted' | 'modified';
  sizeBefore: number | null;
  sizeAfter: number | null;
}

/** The files that differ, in path order. */
export function changedFiles(before: WorkspaceSnapshot, after: WorkspaceSnapshot): WorkspaceChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: WorkspaceChange[] = [];
  for (const p of paths) {
    const a = before.get(p);
    const b = after.get(p);
    if (a && b && a.sha256 === b.sha256) continue;
    out.push({ path: p, kind: !a ? 'added' : !b ? 'deleted' : 'modified', sizeBefore: a?.size ?? null, sizeAfter: b?.size ?? null });
  }
  return out;
}

/** A unified diff of every changed file (`a/` before, `b/` after); binary/large files get one line. */
export function workspaceDiff(before: WorkspaceSnapshot, after: WorkspaceSnapshot): string {
  const parts: string[] = [];
  for (const change of changedFiles(before, after)) {
    const a = before.get(change.path);
    const b = after.get(change.path);
    const textA = a ? a.text : '';
    const textB = b ? b.text : '';
    if (textA === null || textB === null) {
      parts.push(`Binary or large file ${change.path} ${change.kind} (${change.sizeBefore ?? 0} → ${change.sizeAfter ?? 0} bytes)\n`);
      continue;
    }
    parts.push(createTwoFilesPatch(a ? `a/${change.path}` : '/dev/null', b ? `b/${change.path}` : '/dev/null', textA, textB, undefined, undefined, { context: 3 }));
  }
  return parts.join('');
}
