/**
 * Turns a zod validation failure into one short message that names the field the way a
 * client developer would write it: `messages[2].role: expected one of system, …`.
 * zod's own messages don't name the path, and its union errors nest the useful part.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

/** `['messages', 2, 'role']` → `messages[2].role`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export interface ValidationMessage {
  /** The first few issues, each as `path: problem`, joined with '; '. */
  message: string;
  /** The path of the first issue (OpenAI's error `param`), e.g. `messages[2].role`. */
  param: string | undefined;
}

export function describeZodError(error: z.ZodError, input: unknown, max = 3): ValidationMessage {
  const described = error.issues.slice(0, max).map((issue) => describeIssue(issue, [], input));
  return { message: described.map((d) => d.text).join('; '), param: described[0]?.param };
}

function describeIssue(issue: Issue, base: Path, root: unknown): { text: string; param: string | undefined } {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    const deepest = (issue as { options?: unknown }).options === undefined ? pickDeepestBranch(issue.errors) : undefined;
    if (deepest) return describeIssue(deepest, path, root);
  }
  return { text: describeAt(issue, path, root), param: formatPath(path) || undefined };
}

function describeAt(issue: Issue, path: Path, root: unknown): string {
  const value = valueAt(root, path);
  const where = formatPath(path) || '(body)';
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `${where}: required`;
      return `${where}: expected ${issue.expected}, received ${kindOf(value)}`;
    case 'invalid_value':
      return `${where}: expected one of ${issue.values.map(String).join(', ')} (received ${show(value)})`;
    case 'invalid_union': {
      // A discriminated union whose discriminator matched nothing.
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && issue.errors.length === 0) {
        if (value === undefined) return `${where}: required (one of ${options.map(String).join(', ')})`;
        return `${where}: expected one of ${options.map(String).join(', ')} (received ${show(value)})`;
      }
      // Every branch failed at this very value: list what it could have been.
      const alternatives = issue.errors.flatMap((branch) => {
        const first = branch[0];
        if (first?.code === 'invalid_type') return [first.expected as string];
        if (first?.code === 'invalid_value') return [`one of ${first.values.map(String).join(', ')}`];
        return [];
      });
      if (alternatives.length) return `${where}: expected ${[...new Set(alternatives)].join(' or ')} (received ${show(value)})`;
      return `${where}: ${issue.message}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `${where}: must contain at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return `${where}: must not be empty`;
      return `${where}: must be at least ${String(issue.minimum)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** The union branch that got furthest into the value (its first issue has the longest path). */
function pickDeepestBranch(branches: Issue[][]): Issue | undefined {
  let best: Issue | undefined;
  for (const branch of branches) {
    const first = branch[0];
    if (!first || first.path.length === 0) continue;
    if (!best || first.path.length > best.path.length) best = first;
  }
  return best;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
