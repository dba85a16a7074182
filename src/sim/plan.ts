/**
 * Plans one simulated call before anything is sent: counts the prompt, draws failures,
 * accounts prompt caching, decides the turn, splits the output into token chunks and fixes
 * every delay. Streaming the plan (model.ts) then only sleeps and emits.
 */
import type { SimOptions } from '../config/types.ts';
import type { CanonicalRequest, FinishReason, Usage } from '../canonical/form.ts';
import { drawFaults } from './faults.ts';
import { chunkDelayMs, chunkSizes, ttftMs } from './latency.ts';
import { Lru } from '../util/lru.ts';
import { decideTurn, type Turn } from './policy.ts';
import { minCacheableTokens, resolveCacheRules } from './cache-rules.ts';
import { PromptCache } from './prompt-cache.ts';
import { promptSegments, totalTokens } from './prompt-segments.ts';
import { digest, type Rng, rngFrom } from './rng.ts';
import type { SimAction } from './script.ts';
import { countTextTokens, systemText, tokenPieces, toolJson, truncateToTokens } from '../canonical/tokens.ts';

/** What a simulator instance remembers across calls: prompt caches and attempt counts. */
export interface SimState {
  cache: PromptCache;
  /** Request digest → calls seen, so a retried identical request draws new faults. */
  attempts: Lru<string, number>;
}

/** `now` is a millisecond clock (for the prompt cache's TTL). */
export function createSimState(now: () => number = () => Date.now()): SimState {
  return { cache: new PromptCache(now), attempts: new Lru(10_000) };
}

/** Emitted text and the delay before it, ms. */
export interface Chunk {
  text: string;
  delayMs: number;
}

export type PlannedBlock =
  | { kind: 'text'; delayMs: number; chunks: Chunk[] }
  | { kind: 'tool'; delayMs: number; id: string; name: string; chunks: Chunk[] };

export interface CallPlan {
  id: string;
  model: string;
  /** Time to first token, including any stall and the action's think time. */
  ttftMs: number;
  stallMs: number;
  blocks: PlannedBlock[];
  finish: FinishReason;
  usage: Usage;
  turn: Turn;
  attempt: number;
}

/** Digest of the whole request: its id, and the seed of its draws. */
function requestDigest(req: CanonicalRequest): string {
  const prefix = digest(`${req.model}\u0000${systemText(req.system)}\u0000${req.tools.map(toolJson).join('\u0000')}`);
  return digest(`${prefix}\u0000${JSON.stringify(req.messages)}`);
}

/** Where a call's prompt cache lives (see SimBackend: credential and cell, unless shared). */
export interface CallScope {
  cacheScope: string;
}

/** Splits text into chunks of a few tokens; the first chunk's delay is `firstDelayMs`. */
function chunk(text: string, opts: SimOptions, shape: Rng, timing: Rng, firstDelayMs: number | undefined, minChunks = 1): Chunk[] {
  const { pieces } = tokenPieces(text);
  let sizes = chunkSizes(pieces.length, shape);
  // Real upstreams stream tool arguments in several pieces; make sure there are at least `minChunks`.
  if (sizes.length < minChunks && pieces.length >= minChunks) {
    sizes = Array.from({ length: minChunks }, (_, i) => Math.floor(((i + 1) * pieces.length) / minChunks) - Math.floor((i * pieces.length) / minChunks));
  }
  const chunks: Chunk[] = [];
  let at = 0;
  for (const n of sizes) {
    const slice = pieces.slice(at, at + n).join('');
    at += n;
    const delayMs = chunks.length === 0 && firstDelayMs !== undefined ? firstDelayMs : chunkDelayMs(opts, n, timing);
    chunks.push({ text: slice, delayMs });
  }
  if (chunks.length === 0 && text.length > 0) chunks.push({ text, delayMs: firstDelayMs ?? 0 });
  return chunks;
}

/**
 * Plans the call. Throws the drawn ProxyError (rate limit, 500) before any output, so the
 * caller can reject and the router retry; a retry of the same request draws anew.
 */
export function planCall(
  req: CanonicalRequest,
  opts: SimOptions,
  script: readonly SimAction[] | undefined,
  state: SimState,
  model: string = req.model,
  scope: CallScope = { cacheScope: 'default' },
): CallPlan {
  const requestKey = requestDigest(req);
  // Invalid cache breakpoints are refused before anything else, as Anthropic does.
  const segments = promptSegments(req, model);
  const rules = resolveCacheRules(opts.cache.rules, req.sourceDialect);
  const minTokens = opts.cache.minTokens ?? minCacheableTokens(rules, model);
  state.cache.validate(rules, segments);
  const attempt = state.attempts.get(requestKey) ?? 0;
  state.attempts.set(requestKey, attempt + 1);

  const faults = drawFaults(opts, rngFrom(opts.seed, requestKey, 'faults', attempt));
  if (faults.error) throw faults.error;

  const promptTokens = totalTokens(segments);
  const cache = state.cache.account(scope.cacheScope, rules, segments, minTokens);
  const content = rngFrom(opts.seed, requestKey, 'content');
  const timing = rngFrom(opts.seed, requestKey, 'timing', attempt);
  const turn = decideTurn(req, script, { answerTokens: opts.answerTokens, rng: content });

  const blocks: PlannedBlock[] = [];
  let output = 0;
  let finish: FinishReason;
  if (turn.kind === 'text') {
    let text = turn.text;
    finish = 'stop';
    if (req.maxTokens !== undefined && countTextTokens(text) > req.maxTokens) {
      text = truncateToTokens(text, req.maxTokens);
      finish = 'length';
    }
    output += countTextTokens(text);
    blocks.push({ kind: 'text', delayMs: 0, chunks: chunk(text, opts, content, timing, 0) });
  } else {
    finish = 'tool_use';
    output += countTextTokens(turn.preamble);
    blocks.push({ kind: 'text', delayMs: 0, chunks: chunk(turn.preamble, opts, content, timing, 0) });
    const nameTokens = countTextTokens(turn.name);
    const argsJson = JSON.stringify(turn.args);
    output += nameTokens + countTextTokens(argsJson);
    blocks.push({
      kind: 'tool',
      delayMs: chunkDelayMs(opts, nameTokens, timing),
      id: `toolu_sim_${requestKey.slice(0, 12)}_${turn.step}`,
      name: turn.name,
      chunks: chunk(argsJson, opts, content, timing, undefined, 2),
    });
  }

  const ttft = ttftMs(opts, promptTokens, timing, cache.cacheRead) + faults.stallMs + (turn.thinkMs ?? 0);
  return {
    id: `msg_sim_${requestKey}`,
    model,
    ttftMs: ttft,
    stallMs: faults.stallMs,
    blocks,
    finish,
    usage: {
      input: promptTokens,
      output,
      cacheRead: cache.cacheRead,
      cacheWrite: cache.cacheWrite,
      reasoning: 0,
      ...(cache.cacheWrite1h > 0 ? { cacheWrite1h: cache.cacheWrite1h } : {}),
    },
    turn,
    attempt,
  };
}
