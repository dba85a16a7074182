/**
 * Deterministic filler text of about N tokens, for the default answer and for side calls.
 * Words are drawn from a small coding-flavoured vocabulary so the text tokenises like
 * ordinary English (about one token per word).
 */
import type { Rng } from './rng.ts';

const WORDS = [
  'the', 'change', 'keeps', 'tests', 'green', 'and', 'the', 'build', 'passes', 'with', 'a',
  'small', 'patch', 'to', 'config', 'file', 'function', 'returns', 'value', 'when', 'input',
  'is', 'empty', 'so', 'we', 'check', 'it', 'first', 'then', 'update', 'docs', 'for', 'users',
  'module', 'exports', 'one', 'helper', 'that', 'reads', 'data', 'from', 'disk', 'cache',
  'stays', 'warm', 'after', 'each', 'run', 'error', 'handling', 'covers', 'edge', 'cases',
  'output', 'matches', 'expected', 'format', 'script', 'prints', 'result', 'code', 'review',
];

/** About `tokens` tokens of sentence-shaped filler (at least one word). */
export function lorem(tokens: number, rng: Rng): string {
  const sentences: string[] = [];
  let used = 0;
  while (used < tokens || sentences.length === 0) {
    const words: string[] = [];
    const len = rng.int(6, 14);
    for (let i = 0; i < len && used < tokens; i++) {
      words.push(rng.pick(WORDS));
      used += 1;
    }
    if (words.length === 0) words.push(rng.pick(WORDS));
    const s = words.join(' ');
    sentences.push(s.charAt(0).toUpperCase() + s.slice(1) + '.');
    used += 1; // the full stop
  }
  // Each word and full stop is about one token; usage is counted from the emitted text,
  // so this only needs to land near the requested size.
  return sentences.join(' ');
}
