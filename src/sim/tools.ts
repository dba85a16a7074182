/**
 * Turns a scripted action into a call of one of the tools the request offers: picks the
 * tool by name (aliases, then name words) among those whose schema can carry the action,
 * and fills its arguments by reading the JSON schema's property names. Works for Claude
 * Code's `Bash`/`Write`/`Read`/`Edit`, OpenCode's lower-case ones and any look-alike.
 */
import { posix } from 'node:path';
import type { CanonicalRequest, CanonicalTool } from '../canonical/form.ts';
import type { SimAction } from './script.ts';

export type ToolAction = Exclude<SimAction, { action: 'say' }>;
type ToolKind = ToolAction['action'];

/** What a schema property is for, judged from its name. */
type Role = 'path' | 'content' | 'command' | 'old' | 'new' | 'description';

/** Property names per role, normalised (lower case, no `_`/`-`). */
const ROLE_NAMES: Record<Role, readonly string[]> = {
  path: ['filepath', 'path', 'filename', 'file', 'targetfile', 'absolutepath', 'notebookpath'],
  content: ['content', 'contents', 'text', 'filetext', 'body', 'data'],
  command: ['command', 'cmd', 'commandline', 'script'],
  old: ['oldstring', 'oldstr', 'oldtext', 'old', 'search', 'find'],
  new: ['newstring', 'newstr', 'newtext', 'new', 'replacement', 'replace'],
  description: ['description'],
};

/** Exact tool names per action, normalised. */
const ALIASES: Record<ToolKind, readonly string[]> = {
  bash: ['bash', 'shell', 'runcommand', 'execute', 'exec', 'executecommand', 'runshellcommand', 'terminal', 'runterminalcmd'],
  write: ['write', 'writefile', 'createfile', 'writetofile'],
  read: ['read', 'readfile', 'view', 'viewfile', 'cat'],
  edit: ['edit', 'strreplace', 'replace', 'editfile', 'strreplaceeditor', 'replaceinfile'],
};

/** Words that mark a tool's purpose inside a longer name (`run_shell_command`). */
const NAME_WORDS: Record<ToolKind, readonly string[]> = {
  bash: ['bash', 'shell', 'command', 'exec', 'execute', 'terminal'],
  write: ['write', 'create', 'save'],
  read: ['read', 'view', 'cat', 'open'],
  edit: ['edit', 'replace', 'patch', 'modify'],
};

/** Roles a tool's schema must have to carry the action. */
const NEEDS: Record<ToolKind, readonly Role[]> = {
  bash: ['command'],
  write: ['path', 'content'],
  read: ['path'],
  edit: ['path', 'old', 'new'],
};

/** Values an enum property (e.g. str_replace_editor's `command`) takes for each action. */
const ENUM_HINTS: Record<ToolKind, readonly string[]> = {
  bash: ['run', 'bash', 'execute'],
  write: ['create', 'write'],
  read: ['view', 'read'],
  edit: ['str_replace', 'edit', 'replace'],
};

type JsonSchema = Record<string, unknown>;

const norm = (s: string): string => s.toLowerCase().replace(/[_\-\s.]/g, '');

function properties(schema: JsonSchema): Record<string, JsonSchema> {
  const p = schema['properties'];
  return p && typeof p === 'object' ? (p as Record<string, JsonSchema>) : {};
}

function requiredOf(schema: JsonSchema): string[] {
  const r = schema['required'];
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
}

function roleOf(prop: string): Role | undefined {
  const n = norm(prop);
  for (const role of Object.keys(ROLE_NAMES) as Role[]) if (ROLE_NAMES[role].includes(n)) return role;
  return undefined;
}

function acceptsString(schema: JsonSchema): boolean {
  const t = schema['type'];
  if (t === undefined) return true;
  return t === 'string' || (Array.isArray(t) && t.includes('string'));
}

function canCarry(tool: CanonicalTool, kind: ToolKind): boolean {
  const props = properties(tool.parameters);
  const names = Object.keys(props);
  if (names.length === 0) return false;
  const roles = new Set(names.filter((n) => acceptsString(props[n] ?? {})).map(roleOf));
  return NEEDS[kind].every((r) => roles.has(r));
}

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The offered tool that best carries the action, or undefined when none does. */
export function matchTool(action: ToolAction, tools: readonly CanonicalTool[]): CanonicalTool | undefined {
  const kind = action.action;
  const exact = tools.find((t) => ALIASES[kind].includes(norm(t.name)) && canCarry(t, kind));
  if (exact) return exact;
  const fuzzy = tools
    .filter((t) => nameWords(t.name).some((w) => NAME_WORDS[kind].includes(w)) && canCarry(t, kind))
    .sort((a, b) => nameWords(a.name).length - nameWords(b.name).length);
  return fuzzy[0];
}

/** The working directory the client announced (Claude Code and OpenCode put it in the system prompt). */
export function findWorkingDirectory(req: Pick<CanonicalRequest, 'system' | 'messages'>): string | undefined {
  const re = /Working directory:\s*(\S+)/;
  for (const p of req.system) {
    const m = re.exec(p.text);
    if (m?.[1]) return m[1];
  }
  const firstUser = req.messages.find((m) => m.role === 'user');
  if (firstUser) {
    for (const p of firstUser.content) {
      const m = p.type === 'text' ? re.exec(p.text) : null;
      if (m?.[1]) return m[1];
    }
  }
  return undefined;
}

/** A short human description of the action (Bash's `description`, fallback texts). */
export function describeAction(action: ToolAction): string {
  switch (action.action) {
    case 'bash':
      return action.description ?? `Run ${clip(action.command, 60)}`;
    case 'write':
      return `Write ${action.path}`;
    case 'read':
      return `Read ${action.path}`;
    case 'edit':
      return `Edit ${action.path}`;
  }
}

function clip(s: string, n: number): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > n || s.includes('\n') ? line.slice(0, n) + '…' : line;
}

function wantsAbsolute(tool: CanonicalTool, prop: JsonSchema): boolean {
  const d = `${tool.description ?? ''} ${typeof prop['description'] === 'string' ? prop['description'] : ''}`;
  return /absolute/i.test(d);
}

function resolvePath(path: string, absolute: boolean, cwd: string | undefined): string {
  if (!absolute || !cwd || posix.isAbsolute(path) || path.startsWith('~')) return path;
  return posix.resolve(cwd, path);
}

function roleValue(role: Role, action: ToolAction): string | undefined {
  switch (role) {
    case 'path':
      return 'path' in action ? action.path : undefined;
    case 'content':
      return action.action === 'write' ? action.content : undefined;
    case 'command':
      return action.action === 'bash' ? action.command : undefined;
    case 'old':
      return action.action === 'edit' ? action.old : undefined;
    case 'new':
      return action.action === 'edit' ? action.new : undefined;
    case 'description':
      return describeAction(action);
  }
}

/** A value of the schema's type for a required property the action says nothing about. */
export function defaultFor(schema: JsonSchema, kind?: ToolKind, depth = 0): unknown {
  if ('default' in schema) return schema['default'];
  if ('const' in schema) return schema['const'];
  const en = schema['enum'];
  if (Array.isArray(en) && en.length > 0) {
    const hint = kind ? en.find((v) => typeof v === 'string' && ENUM_HINTS[kind].includes(v)) : undefined;
    return hint ?? en[0];
  }
  const alt = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (Array.isArray(alt) && alt[0]) return defaultFor(alt[0], kind, depth + 1);
  const rawType = schema['type'];
  const type = Array.isArray(rawType) ? rawType.find((t) => t !== 'null') : rawType;
  switch (type) {
    case 'string': {
      const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      return 'x'.repeat(min);
    }
    case 'number':
    case 'integer': {
      const min = schema['minimum'];
      const exMin = schema['exclusiveMinimum'];
      if (typeof min === 'number') return min;
      if (typeof exMin === 'number') return type === 'integer' ? Math.floor(exMin) + 1 : exMin + 1;
      return 0;
    }
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth > 4) return out;
      const props = properties(schema);
      for (const r of requiredOf(schema)) out[r] = defaultFor(props[r] ?? {}, kind, depth + 1);
      return out;
    }
    default:
      return '';
  }
}

/**
 * The arguments of `tool` for `action`: properties whose names reveal their role get the
 * action's values (paths made absolute when the tool asks for absolute paths and `cwd` is
 * known), `description` gets a short summary, and every other required property a default.
 */
export function fillArgs(action: ToolAction, tool: CanonicalTool, cwd: string | undefined): Record<string, unknown> {
  const props = properties(tool.parameters);
  const required = new Set(requiredOf(tool.parameters));
  const args: Record<string, unknown> = {};
  const usedRoles = new Set<Role>();
  for (const [name, schema] of Object.entries(props)) {
    const role = roleOf(name);
    if (!role || usedRoles.has(role) || !acceptsString(schema)) continue;
    // Describe only where it helps: Bash asks for one; elsewhere only when required.
    if (role === 'description' && action.action !== 'bash' && !required.has(name)) continue;
    const value = roleValue(role, action);
    if (value === undefined) continue;
    args[name] = role === 'path' ? resolvePath(value, wantsAbsolute(tool, schema), cwd) : value;
    usedRoles.add(role);
  }
  for (const name of required) {
    if (!(name in args)) args[name] = defaultFor(props[name] ?? {}, action.action);
  }
  return args;
}
