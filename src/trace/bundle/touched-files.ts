/**
 * The files an agent touched, inferred from its tool calls (Claude Code's Read/Write/Edit/
 * MultiEdit/NotebookEdit/Glob/Grep, OpenCode's read/write/edit/patch/list/glob/grep) and the
 * shell commands it ran (Bash / bash), which may have touched more.
 */
import path from 'node:path';
import type { ToolCall } from '../tool-calls.ts';

export type FileAction = 'read' | 'write' | 'edit' | 'search';

export interface TouchedFile {
  /** As the agent named it; relative to the workspace when it was inside it. */
  path: string;
  actions: FileAction[];
  /** Tool calls that touched it. */
  calls: number;
}

export interface TouchedFiles {
  files: TouchedFile[];
  /** Shell commands the agent ran, in order (cut to 300 characters each). */
  commands: string[];
}

const ACTION_OF: Record<string, FileAction> = {
  read: 'read',
  write: 'write',
  edit: 'edit',
  multiedit: 'edit',
  notebookedit: 'edit',
  patch: 'edit',
  glob: 'search',
  grep: 'search',
  list: 'search',
  ls: 'search',
};
const PATH_KEYS = ['file_path', 'filePath', 'notebook_path', 'path'];
const SHELL_TOOLS = new Set(['bash', 'shell']);

function field(input: unknown, keys: string[]): string | undefined {
  if (!input || typeof input !== 'object') return undefined;
  for (const k of keys) {
    const v = (input as Record<string, unknown>)[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

/** The workspace root the agent worked in: the longest common directory of the absolute paths it named under a `workspace` directory. */
function workspaceOf(paths: string[]): string | undefined {
  for (const p of paths) {
    const i = p.indexOf('/workspace/');
    if (path.isAbsolute(p) && i >= 0) return p.slice(0, i + '/workspace'.length);
  }
  return undefined;
}

export function touchedFiles(calls: readonly ToolCall[]): TouchedFiles {
  const named: { path: string; action: FileAction }[] = [];
  const commands: string[] = [];
  for (const c of calls) {
    const tool = c.name.toLowerCase();
    if (SHELL_TOOLS.has(tool)) {
      const cmd = field(c.input, ['command', 'cmd']);
      if (cmd) commands.push(cmd.length > 300 ? cmd.slice(0, 300) + '…' : cmd);
      continue;
    }
    const action = ACTION_OF[tool];
    const p = field(c.input, PATH_KEYS);
    if (action && p) named.push({ path: p, action });
  }
  const root = workspaceOf(named.map((n) => n.path));
  const byPath = new Map<string, TouchedFile>();
  for (const n of named) {
    const shown = root && n.path.startsWith(root + '/') ? path.relative(root, n.path) : n.path;
    const f = byPath.get(shown) ?? { path: shown, actions: [], calls: 0 };
    if (!f.actions.includes(n.action)) f.actions.push(n.action);
    f.calls++;
    byPath.set(shown, f);
  }
  return { files: [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path)), commands };
}
