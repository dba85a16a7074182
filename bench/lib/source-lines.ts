/**
 * Line of a named function in a TypeScript source file. tsx compiles with esbuild's
 * `minifyWhitespace`, so V8's lines for a .ts file are those of the compiled output (mostly
 * line 1); names are kept (`keepNames`), so the definition is found again by name in the
 * original source.
 * A CPU profile's line is a function's start line too, so this gives the same information.
 */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string[] | null>();

function lines(path: string): string[] | null {
  if (!cache.has(path)) {
    try {
      cache.set(path, readFileSync(path, 'utf8').split('\n'));
    } catch {
      cache.set(path, null);
    }
  }
  return cache.get(path) ?? null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based line where `name` is defined in `path` (function, method, arrow const), or null. */
export function definitionLine(path: string, name: string): number | null {
  const src = lines(path);
  // V8 names methods `Class.method` or `inst._zod.parse`; the last part is what the source says.
  const short = name.split('.').pop() ?? '';
  if (!src || !/^[\w$]+$/.test(short)) return null;
  const n = escape(short);
  const patterns = [
    new RegExp(`\\bfunction\\*?\\s+${n}\\s*[<(]`),
    new RegExp(`\\b(?:const|let|var)\\s+${n}\\s*(?::[^=]+)?=\\s*(?:async\\s*)?(?:function\\b|\\(|[\\w$]+\\s*=>)`),
    new RegExp(`^\\s*(?:(?:public|private|protected|static|async|override|readonly)\\s+)*(?:get\\s+|set\\s+)?\\*?${n}\\s*[<(]`),
    new RegExp(`\\b${n}\\s*:\\s*(?:async\\s*)?(?:function\\b|\\([^)]*\\)\\s*=>)`),
  ];
  for (const [k, re] of patterns.entries()) {
    // A method pattern also matches a call statement at the start of a line; those end in ; or ,
    const i = src.findIndex((l) => re.test(l) && (k !== 2 || !/[;,]\s*$/.test(l)));
    if (i >= 0) return i + 1;
  }
  return null;
}
