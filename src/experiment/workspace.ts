/**
 * Builds a cell's fresh workspace on the local filesystem: the task's fixture (a copied
 * directory or a git checkout), then the condition's overlaid files. Setup commands are run
 * by the launcher afterwards.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { ConditionDef, TaskDef } from '../config/experiment-types.ts';

export class WorkspaceError extends Error {
  readonly code = 'workspace_failed';
  readonly retryable = false;
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WorkspaceError';
  }
}

/** Joins `rel` under `root`, refusing paths that escape it (`../x`, absolute paths). */
export function insideDir(root: string, rel: string): string {
  const abs = path.resolve(root, rel);
  if (abs !== root && !abs.startsWith(root + path.sep)) throw new WorkspaceError(`file path escapes the workspace: ${rel}`);
  return abs;
}

export async function materializeTask(task: TaskDef, dir: string, env: Record<string, string>): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const ws = task.workspace;
  if (ws.kind === 'git') {
    await mkdir(path.dirname(dir), { recursive: true });
    const git = async (args: string[], cwd?: string) => {
      const r = await execa('git', args, { cwd, env, extendEnv: false, reject: false, stdin: 'ignore' });
      if (r.exitCode !== 0) throw new WorkspaceError(`git ${args[0]} failed for task ${task.id}: ${String(r.stderr).trim().slice(0, 300)}`);
    };
    await git(['clone', '--quiet', '--no-hardlinks', ws.url, dir]);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', ws.ref], dir);
    return;
  }
  await mkdir(dir, { recursive: true });
  if (ws.kind === 'dir') {
    try {
      await cp(ws.path, dir, { recursive: true, preserveTimestamps: true });
    } catch (e) {
      throw new WorkspaceError(`could not copy the fixture ${ws.path} of task ${task.id}: ${(e as Error).message}`, e);
    }
  }
}

export async function overlayFiles(condition: ConditionDef, dir: string): Promise<void> {
  for (const [rel, src] of Object.entries(condition.files)) {
    const dest = insideDir(dir, rel);
    let content: string | Buffer;
    try {
      content = 'content' in src ? src.content : await readFile(src.from);
    } catch (e) {
      throw new WorkspaceError(`condition ${condition.name}: cannot read ${'from' in src ? src.from : rel}: ${(e as Error).message}`, e);
    }
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(dest, content);
  }
}
