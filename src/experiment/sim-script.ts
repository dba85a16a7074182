/**
 * A task's sim script for one cell: file paths made absolute against the workspace as the
 * runner sees it, so tools that demand absolute paths (Claude Code's Write/Read/Edit) get
 * them whatever the client announces as its working directory.
 */
import { posix } from 'node:path';
import type { SimAction } from '../sim/script.ts';

export function resolveSimScript(script: readonly SimAction[] | undefined, workspace: string): SimAction[] | undefined {
  if (!script) return undefined;
  return script.map((a) => ('path' in a && !posix.isAbsolute(a.path) && !a.path.startsWith('~') ? { ...a, path: posix.resolve(workspace, a.path) } : a));
}
