/**
 * Token counting for the simulator (and for `count_tokens` on backends without a count
 * endpoint).
 *
 * Why a real BPE tokenizer (gpt-tokenizer, o200k_base): it ships its vocabulary inside the
 * npm package (no download, works offline), is deterministic, and on English prose and code
 * lands within a few percent of the Claude and Gemini tokenizers, whereas characters ÷ 4 is
 * off by 20–40 % on code and JSON (punctuation and whitespace runs tokenise very
 * differently). The simulator's usage numbers drive the token and cost statistics, so they
 * have to move the way a real model's would when a prompt or tool definition changes.
 *
 * Speed: Claude Code resends a ~20k-token system prompt and tool block on every call, and the
 * history grows by one turn per call, so per-string counts are memoised in an LRU keyed by
 * the string itself; only new text is tokenised.
 */
import { createRequire } from 'node:module';
import type { CanonicalMessage, CanonicalRequest, CanonicalTool, TextPart } from './form.ts';
import { Lru } from '../util/lru.ts';
import { derived, isShared } from './repeats.ts';

type O200k = typeof import('gpt-tokenizer/encoding/o200k_base');
let o200k: O200k | undefined;

/**
 * The tokenizer, loaded on first use: parsing its vocabulary costs ~0.3 s of CPU, which a
 * proxy in front of real models (that report their own usage) and every other command should
 * not pay at start-up. require() (gpt-tokenizer ships CommonJS too) keeps every caller synchronous.
 */
function tokenizer(): O200k {
  return (o200k ??= createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as O200k);
}

/** Whether the tokenizer's vocabulary is in memory (loaded by a first count, or by preloadTokenizer). */
export function tokenizerLoaded(): boolean {
  return o200k !== undefined;
}

/**
 * Loads the tokenizer ahead of the first request that needs it (the simulator), off the start-up
 * path. A proxy with no simulator does not call it: the vocabulary is ≈ 15 MB of heap that lives
 * as long as the process, and a heap that size made every young-generation collection of a busy
 * pass-through proxy about twice as slow (bench/PROFILE.md, eleventh pass).
 */
export function preloadTokenizer(): void {
  setImmediate(() => tokenizer()).unref();
}

/** Text is text: `<|endoftext|>` in a prompt is counted as characters, never rejected. */
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };

/** Role markers and separators each chat message costs (OpenAI documents 3 per message). */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** An image of unknown size: roughly a 1,000 × 1,000 px image on Anthropic and Gemini. */
export const IMAGE_TOKENS = 1_500;

/**
 * Strings shorter than this are cheaper to re-tokenise than to look up. Short strings repeat
 * too (an agent's earlier turns: a sentence before each tool call, the call's arguments), and
 * tokenising them on every call was half of counting a Claude Code request once its tool
 * definitions are counted once (canonical/repeats.ts): 384 → 190 µs with 16 instead of 256.
 */
const CACHE_MIN_CHARS = 16;
const cache = new Lru<string, number>(4_096);

/** Tokens of one string (o200k_base). */
export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length < CACHE_MIN_CHARS) return tokenizer().countTokens(text, ENCODE_OPTIONS);
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = tokenizer().countTokens(text, ENCODE_OPTIONS);
  cache.set(text, n);
  counted.chars += text.length;
  counted.tokens += n;
  return n;
}

/**
 * Splits text into token-aligned pieces (one per token, except where a character spans
 * several tokens), so a stream can emit a few tokens per chunk like a real upstream.
 */
export function tokenPieces(text: string): { pieces: string[]; tokens: number } {
  if (text.length === 0) return { pieces: [], tokens: 0 };
  const { encode, decodeGenerator } = tokenizer();
  const ids = encode(text, ENCODE_OPTIONS);
  const pieces = [...decodeGenerator(ids)].filter((p) => p.length > 0);
  // decodeGenerator buffers split UTF-8 sequences; should it ever disagree, keep one piece.
  if (pieces.join('') !== text) return { pieces: [text], tokens: ids.length };
  return { pieces, tokens: ids.length };
}

/** Keeps the first `maxTokens` tokens of a text. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const { pieces } = tokenPieces(text);
  return pieces.slice(0, Math.max(0, maxTokens)).join('');
}

export function systemText(system: readonly TextPart[]): string {
  return system.map((p) => p.text).join('\n');
}

/** The JSON a tool definition is counted as (what providers render into the prompt). */
export function toolJson(tool: CanonicalTool): string {
  return JSON.stringify({ name: tool.name, description: tool.description ?? '', parameters: tool.parameters });
}

/** Counts the tokens of one text: countTextTokens, or an estimate of it (promptTokensWithoutWaiting). */
type TextCounter = (text: string) => number;

/** Token counts of tool lists a client resends on every call (canonical/repeats.ts): counted once. */
const toolTokensOfShared = new WeakMap<readonly CanonicalTool[], number>();

export function countToolTokens(tools: readonly CanonicalTool[]): number {
  return derived(toolTokensOfShared, tools, (list) => toolTokens(list, countTextTokens));
}

function toolTokens(tools: readonly CanonicalTool[], count: TextCounter): number {
  let n = 0;
  for (const t of tools) n += count(toolJson(t));
  return n;
}

/** Tokens of one content part of a message (role markers are counted per message). */
export function countPartTokens(part: CanonicalMessage['content'][number], count: TextCounter = countTextTokens): number {
  switch (part.type) {
    case 'text':
      return count(part.text);
    case 'image':
      return IMAGE_TOKENS;
    case 'tool-call':
      return count(part.name) + count(JSON.stringify(part.args ?? {}));
    case 'tool-result': {
      let n = 0;
      for (const c of part.content) n += c.type === 'text' ? count(c.text) : IMAGE_TOKENS;
      return n;
    }
    case 'reasoning':
      return count(part.text) + (part.redacted ? count(part.redacted) : 0);
  }
}

/** Token counts of messages a client resends on every call (canonical/repeats.ts): counted once. */
const messageTokensOfShared = new WeakMap<CanonicalMessage, number>();

export function countMessageTokens(m: CanonicalMessage): number {
  return derived(messageTokensOfShared, m, (message) => messageTokens(message, countTextTokens));
}

function messageTokens(m: CanonicalMessage, count: TextCounter): number {
  let n = MESSAGE_OVERHEAD_TOKENS;
  for (const part of m.content) n += countPartTokens(part, count);
  return n;
}

/** Tokens of the system prompt, counted block by block (as prompt caching sees it). */
export function countSystemTokens(system: readonly TextPart[]): number {
  let n = 0;
  for (const p of system) n += countTextTokens(p.text);
  return n;
}

export interface PromptTokens {
  /** The whole prompt: system, tool definitions and every message. */
  total: number;
  /** The stable prefix (system + tool definitions), the part prompt caching reuses. */
  prefix: number;
}

export function countPromptTokens(req: Pick<CanonicalRequest, 'system' | 'messages' | 'tools'>): PromptTokens {
  const prefix = countSystemTokens(req.system) + countToolTokens(req.tools);
  let total = prefix;
  for (const m of req.messages) total += countMessageTokens(m);
  return { total, prefix };
}

/** Prompt tokens of a request (what `usage.input` reports). */
export function countRequestTokens(req: Pick<CanonicalRequest, 'system' | 'messages' | 'tools'>): number {
  return countPromptTokens(req).total;
}

/** Tokens per character assumed before much text was counted (o200k: ≈ 0.25 on English prose, ≈ 0.35 on code). */
const DEFAULT_TOKENS_PER_CHAR = 0.3;
/** Characters and tokens of the texts tokenised so far (for estimates of texts not counted yet). */
const counted = { chars: 0, tokens: 0 };

/**
 * Texts this long or longer the estimate leaves to `countLater` when they were not counted
 * before: every text countTextTokens would keep. Shorter ones are counted at once. It was 256:
 * the newest turn's short texts (the sentence before a tool call, the call's arguments) were
 * tokenised before message_start, ≈ 0.11 ms per streamed request (bench/PROFILE.md, seventh pass).
 */
const ESTIMATE_MIN_CHARS = CACHE_MIN_CHARS;

/**
 * The prompt tokens of a request without tokenising, now, text it has not met before: such text
 * (a new tool result, the newest turn) is estimated from its length at the tokens per character
 * of everything counted so far, and handed back in `uncounted` for `countLater`. Everything
 * counted before — the system prompt, the tools, the earlier turns an agent resends — is exact.
 * Until the tokenizer is loaded (the first such request of a proxy without a simulator) short
 * texts are estimated too.
 *
 * Why: a translated stream's message_start must carry the prompt size before the upstream's
 * first token can be passed on (Claude Code reads it), and OpenAI and Gemini report theirs only
 * at the end; tokenising the newest turn (≈ 10 kB of a file a tool read: ≈ 1 ms of BPE) held up
 * every streamed request's first byte. The count is the local tokenizer's either way (within a
 * few per cent of the upstream's own), and message_delta carries the upstream's real count.
 */
export function promptTokensWithoutWaiting(req: Pick<CanonicalRequest, 'system' | 'messages' | 'tools'>): { tokens: number; uncounted: string[] } {
  const uncounted: string[] = [];
  let estimated = false;
  // Before the tokenizer is loaded every text is estimated and left to countLater, which loads it
  // off the request path: no request waits the ≈ 0.3 s its vocabulary takes to parse.
  const countShortNow = tokenizerLoaded();
  const count: TextCounter = (text) => {
    if (countShortNow && text.length < ESTIMATE_MIN_CHARS) return countTextTokens(text);
    const known = cache.get(text);
    if (known !== undefined) return known;
    estimated = true;
    uncounted.push(text);
    const perChar = counted.chars >= 10_000 ? counted.tokens / counted.chars : DEFAULT_TOKENS_PER_CHAR;
    return Math.max(1, Math.round(text.length * perChar));
  };
  let tokens = 0;
  for (const p of req.system) tokens += count(p.text);
  const knownTools = isShared(req.tools) ? toolTokensOfShared.get(req.tools) : undefined;
  if (knownTools !== undefined) tokens += knownTools;
  else {
    estimated = false;
    const n = toolTokens(req.tools, count);
    if (!estimated && isShared(req.tools)) toolTokensOfShared.set(req.tools, n);
    tokens += n;
  }
  for (const m of req.messages) {
    const known = isShared(m) ? messageTokensOfShared.get(m) : undefined;
    if (known !== undefined) {
      tokens += known;
      continue;
    }
    estimated = false;
    const n = messageTokens(m, count);
    if (!estimated && isShared(m)) messageTokensOfShared.set(m, n);
    tokens += n;
  }
  return { tokens, uncounted };
}

/**
 * Tokenises `texts` once the current response is out (setImmediate, called when a stream
 * ends), so the next request that resends them counts them exactly. At most a few texts per
 * request: a client's new turn.
 */
export function countLater(texts: readonly string[]): void {
  if (!texts.length) return;
  setImmediate(() => {
    for (const text of texts) countTextTokens(text);
  }).unref();
}
