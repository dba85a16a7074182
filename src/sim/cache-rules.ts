/**
 * Which provider's caching rules a simulated call follows, and the minimum cacheable prompt
 * length of the model it stands in for.
 *
 * The rules default to the dialect the simulator is spoken to (`auto`): a client speaking
 * Anthropic Messages gets Anthropic's explicit breakpoints, one speaking OpenAI Chat gets
 * OpenAI's automatic caching, Gemini's implicit caching for Gemini. A deployment can pin
 * them (`sim.cache.rules`), e.g. to rehearse an OpenAI-dialect client in front of Claude.
 */
import type { SimCacheRules } from '../config/types.ts';
import type { Dialect } from '../canonical/form.ts';
import { simulatedModelName } from '../util/model-name.ts';
import { OPENAI_MIN_CACHED_TOKENS, type CacheRules } from './prompt-cache.ts';

/** The caching rules of a dialect: its own provider's; OpenAI's for the Responses API; OpenAI's for a dialect with no provider rules of its own. */
function rulesOfDialect(dialect: Dialect): CacheRules {
  if (dialect === 'anthropic' || dialect === 'gemini' || dialect === 'openai') return dialect;
  return 'openai';
}

export function resolveCacheRules(option: SimCacheRules, dialect: Dialect): CacheRules {
  return option === 'auto' ? rulesOfDialect(dialect) : option;
}

/**
 * Anthropic's minimum cacheable prompt length per model
 * (https://docs.claude.com/en/docs/build-with-claude/prompt-caching, "Cache limitations"):
 * 4,096 for Claude Opus 4.5/4.6 and Haiku 4.5; 2,048 for Haiku 3.5 and Haiku 3; 1,024 for
 * Sonnet 4.5/4/3.7 and Opus 4.1/4. First match wins.
 */
const ANTHROPIC_MIN_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^claude-opus-4[-.][5-9](?!\d)/, 4_096],
  [/^claude-haiku-4[-.]5(?!\d)/, 4_096],
  [/^claude-3[-.]5-haiku|^claude-3-haiku/, 2_048],
];
const ANTHROPIC_DEFAULT_MIN_TOKENS = 1_024;

/**
 * Gemini's minimum token count for implicit caching (https://ai.google.dev/gemini-api/docs/caching,
 * the table as of the price table's date): 4,096 for Gemini 2.5 Pro and 3 Pro, 1,024 for
 * 2.5 Flash and 3 Flash.
 */
const GEMINI_MIN_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^gemini-(?:2\.5|3(?:\.\d+)?)-pro/, 4_096],
];
const GEMINI_DEFAULT_MIN_TOKENS = 1_024;

/** The minimum cacheable prompt length for `rules` when standing in for `model`. */
export function minCacheableTokens(rules: CacheRules, model: string): number {
  const name = simulatedModelName(model);
  const lookup = (table: ReadonlyArray<readonly [RegExp, number]>, fallback: number) =>
    table.find(([re]) => re.test(name))?.[1] ?? fallback;
  switch (rules) {
    case 'anthropic':
      return lookup(ANTHROPIC_MIN_TOKENS, ANTHROPIC_DEFAULT_MIN_TOKENS);
    case 'openai':
      return OPENAI_MIN_CACHED_TOKENS;
    case 'gemini':
      return lookup(GEMINI_MIN_TOKENS, GEMINI_DEFAULT_MIN_TOKENS);
    case 'none':
      return Number.POSITIVE_INFINITY;
  }
}
