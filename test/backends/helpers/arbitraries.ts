/** fast-check generators of valid canonical streams, for the codec property tests. */
import fc from 'fast-check';
import type { FinishReason, StreamPart, Usage } from '../../../src/canonical/form.ts';

type Block =
  | { kind: 'text'; chunks: string[] }
  | { kind: 'reasoning'; chunks: string[]; signature?: string }
  | { kind: 'tool'; id: string; name: string; argsJson: string; cuts: number[] };

const chunk = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const ident = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/);
const jsonValue = fc.oneof(fc.string({ maxLength: 8, unit: 'grapheme' }), fc.integer(), fc.boolean(), fc.constant(null));
const args = fc.dictionary(ident, fc.oneof(jsonValue, fc.array(jsonValue, { maxLength: 3 })), { maxKeys: 4 });

const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), chunks: fc.array(chunk, { minLength: 1, maxLength: 4 }) }),
  fc.record(
    { kind: fc.constant('reasoning' as const), chunks: fc.array(chunk, { minLength: 1, maxLength: 3 }), signature: fc.base64String({ minLength: 4, maxLength: 24 }) },
    { requiredKeys: ['kind', 'chunks'] },
  ),
  fc.record({
    kind: fc.constant('tool' as const),
    id: ident.map((s) => `call_${s}`),
    name: ident,
    argsJson: args.map((a) => JSON.stringify(a)),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
  }),
);

export interface StreamOptions {
  /** The dialect has no reasoning-token count (Anthropic). */
  noReasoningTokens?: boolean;
  /** The dialect has no cache-write count (Gemini). */
  noCacheWrite?: boolean;
  /** Adjacent text (or reasoning) blocks cannot be told apart (Gemini has no block boundaries). */
  noAdjacentSameKind?: boolean;
}

function split(s: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of [...at, s.length]) {
    if (c > prev) out.push(s.slice(prev, c));
    prev = Math.max(prev, c);
  }
  return out;
}

export function canonicalStream(o: StreamOptions = {}): fc.Arbitrary<StreamPart[]> {
  return fc
    .record({
      blocks: fc.array(block, { maxLength: 5 }),
      input: fc.nat(100_000),
      cacheRead: fc.nat(50_000),
      cacheWrite: fc.nat(50_000),
      output: fc.nat(10_000),
      reasoning: fc.nat(10_000),
      stopped: fc.constantFrom<FinishReason>('stop', 'length'),
    })
    .map(({ blocks, input, cacheRead, cacheWrite, output, reasoning, stopped }) => {
      if (o.noAdjacentSameKind) blocks = blocks.filter((b, i) => i === 0 || b.kind === 'tool' || blocks[i - 1]!.kind !== b.kind);
      const cw = o.noCacheWrite ? 0 : cacheWrite;
      const usage: Usage = {
        input: input + cacheRead + cw,
        output: output + (o.noReasoningTokens ? 0 : reasoning),
        cacheRead,
        cacheWrite: cw,
        reasoning: o.noReasoningTokens ? 0 : reasoning,
      };
      const parts: StreamPart[] = [{ type: 'message-start', id: 'msg_prop', model: 'm', usage: { input: usage.input, cacheRead, cacheWrite: cw } }];
      blocks.forEach((b, index) => {
        if (b.kind === 'text') {
          parts.push({ type: 'text-start', index }, ...b.chunks.map((text) => ({ type: 'text-delta' as const, index, text })));
        } else if (b.kind === 'reasoning') {
          parts.push({ type: 'reasoning-start', index }, ...b.chunks.map((text) => ({ type: 'reasoning-delta' as const, index, text })));
          if (b.signature) parts.push({ type: 'reasoning-delta', index, text: '', signature: b.signature });
        } else {
          parts.push({ type: 'tool-call-start', index, id: b.id, name: b.name });
          parts.push(...split(b.argsJson, b.cuts).map((argsJson) => ({ type: 'tool-call-delta' as const, index, argsJson })));
        }
        parts.push({ type: 'block-end', index });
      });
      const reason: FinishReason = blocks.some((b) => b.kind === 'tool') ? 'tool_use' : stopped;
      parts.push({ type: 'finish', reason, usage });
      return parts;
    });
}

/** Cut points for splitting a byte array into pieces. */
export const byteCuts = fc.array(fc.nat(), { maxLength: 40 });

export function splitBytes(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return new ReadableStream({
    start(c) {
      let prev = 0;
      for (const cut of [...at, bytes.length]) {
        if (cut > prev) c.enqueue(bytes.slice(prev, cut));
        prev = Math.max(prev, cut);
      }
      c.close();
    },
  });
}
