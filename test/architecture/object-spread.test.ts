/**
 * The proxy's per-request code builds no object literal with a property after a spread
 * (`{ ...base, key }`, `{ ...(c ? { a } : {}), b }`): on Node 20 (V8 11.3) such a literal costs
 * ≈ 0.9–1.4 µs against ≈ 30–160 ns built key by key (npm run bench:object-spread), and the
 * translated path made one per tool, tool result and stream event. Spreads last in a literal stay
 * on the fast path and are allowed; util/objects.ts has `withProps` for a copy with more keys.
 * A literal built once (a table at module load, an error) may keep the form when the line
 * above it says `// object-spread: <why>`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { SRC, sourceFiles } from './import-graph.ts';
import { withProps } from '../../src/util/objects.ts';

/** Folders whose code runs per request in the proxy and the simulator. */
const HOT = ['proxy', 'canonical', 'sim', 'util'];
const ALLOW = /\/\/ object-spread: \S/;

interface Finding {
  where: string;
  text: string;
}

/** Object literals in `file` with a property after a spread, except those marked as allowed. */
export function spreadThenProperty(fileName: string, text: string): Finding[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const found: Finding[] = [];
  /** The marker is in a comment before the literal or before a statement or declaration that holds it. */
  const allowed = (node: ts.Node): boolean => {
    for (let at: ts.Node | undefined = node; at && !ts.isSourceFile(at); at = at.parent) {
      const comments = ts.getLeadingCommentRanges(text, at.getFullStart()) ?? [];
      if (comments.some((c) => ALLOW.test(text.slice(c.pos, c.end)))) return true;
    }
    return false;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const spreadAt = node.properties.findIndex((p) => ts.isSpreadAssignment(p));
      if (spreadAt >= 0 && node.properties.slice(spreadAt + 1).some((p) => !ts.isSpreadAssignment(p)) && !allowed(node)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        found.push({ where: `${fileName}:${line + 1}`, text: lines[line]!.trim() });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the scan finds a property after a spread, and only that', () => {
  const sample = [
    'const a = { ...base, key: 1 };',
    'const b = { key: 1, ...base };',
    'const c = { ...(x ? { y } : {}), z };',
    'const d = { ...base };',
    '// object-spread: a table built once at load',
    'const e = [',
    '  { ...base, key: 1 },',
    '];',
    'const f = { k: 1, ...(x ? { y } : {}), ...(z ? { z } : {}) };',
  ].join('\n');
  assert.deepEqual(
    spreadThenProperty('sample.ts', sample).map((f) => f.where),
    ['sample.ts:1', 'sample.ts:3'],
  );
});

test('per-request code has no object literal with a property after a spread', () => {
  const found: Finding[] = [];
  for (const folder of HOT) {
    for (const file of sourceFiles(path.join(SRC, folder))) {
      found.push(...spreadThenProperty(path.relative(SRC, file), readFileSync(file, 'utf8')));
    }
  }
  assert.deepEqual(found, [], `build these key by key, or with withProps (util/objects.ts):\n${found.map((f) => `  src/${f.where}  ${f.text}`).join('\n')}`);
});

test('withProps copies like a spread: every key of both, the second winning, key order kept', () => {
  const base = { a: 1, b: 2, c: 3 };
  const out = withProps(base, { b: 20, d: 4 });
  assert.deepEqual(out, { ...base, b: 20, d: 4 });
  assert.deepEqual(Object.keys(out), ['a', 'b', 'c', 'd']);
  assert.deepEqual(base, { a: 1, b: 2, c: 3 });
});
