/**
 * A task's sim script for one cell: file paths made absolute against the workspace as the
 * runner sees it, so tools that demand absolute paths (Claude Code's Write/Read/Edit) get
 * them whatever the client announces as its working directory.
 */
import { posix } from 'node:path';
import type { SimAction } from '../sim/script.ts';

export function resolveSimScript(script: readonly SimAction[] | undefined, workspace: string): SimAction[] | undefined {
  if (!script) return undefined;
  return script.map((a) => resolveAction(a, workspace));
}

function resolveAction(action: SimAction, workspace: string): SimAction {
  let out = action;
  if ('path' in out && !posix.isAbsolute(out.path) && !out.path.startsWith('~')) out = { ...out, path: posix.resolve(workspace, out.path) };
  if (out.action !== 'say' && out.on_error) out = { ...out, on_error: out.on_error.map((a) => resolveAction(a, workspace)) };
  return out;
}
