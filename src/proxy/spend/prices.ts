/**
 * Built-in price table and the cost of one call.
 *
 * These are PUBLIC LIST PRICES (standard/on-demand tier, text, USD) as of PRICES_AS_OF.
 * Negotiated discounts, batch/flex tiers, regional uplifts and provisioned throughput are not
 * modelled: override them per deployment (`input_cost_per_token`, `output_cost_per_token`,
 * `cache_read_input_token_cost`, `cache_creation_input_token_cost` in the proxy YAML).
 *
 * Cache writes: Anthropic charges 1.25× input for a 5-minute cache write and 2× for a 1-hour
 * one (`usage.cacheWrite1h`); reads cost 0.1× input whatever the TTL
 * (https://docs.claude.com/en/docs/build-with-claude/prompt-caching#pricing). Gemini and
 * OpenAI do not charge per written token (Gemini explicit caches bill storage per hour, which
 * is not per call) and report no writes, so their cache-write rate is their input rate.
 *
 * Simulator (`sim`) models: a sim deployment named after a real model (`sim/claude-sonnet-4-5`)
 * is priced as that model, so a rehearsal costs what the real run would. Any other sim name
 * is priced nominally like gemini-2.5-flash, with Anthropic's cache-write premiums (only
 * Anthropic's rules report writes), so the cost columns of demo and test runs move with
 * tokens and caching the way real runs do. Override the sim deployment's prices to change that.
 */
import type { Usage } from '../../canonical/form.ts';
import { normaliseModelName, simulatedModelName } from '../../util/model-name.ts';

export const PRICES_AS_OF = '2025-12-15';

/** USD per token. */
export interface TokenRates {
  input: number;
  output: number;
  cacheRead: number;
  /** 5-minute (or the provider's only) cache writes. */
  cacheWrite: number;
  /** 1-hour cache writes (Anthropic); the cacheWrite rate when absent. */
  cacheWrite1h?: number;
}

export interface PriceEntry extends TokenRates {
  /** Family name, for reports and warnings. */
  name: string;
  /** Tested against the normalised model name (see normaliseModelName). */
  match: RegExp;
  /** Rates for the whole call when the prompt (usage.input) exceeds `threshold` tokens. */
  longContext?: TokenRates & { threshold: number };
}

/** Per-deployment overrides, same names as Deployment's cost fields. */
export interface PriceOverride {
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  cacheReadCostPerToken?: number;
  cacheWriteCostPerToken?: number;
}

const M = 1_000_000;

/** Rates given per million tokens, as providers publish them. */
function perM(input: number, output: number, cacheRead: number, cacheWrite = input): TokenRates {
  return { input: input / M, output: output / M, cacheRead: cacheRead / M, cacheWrite: cacheWrite / M };
}

/** Anthropic's multipliers: cache read 0.1× input, 5-minute cache write 1.25×, 1-hour write 2×. */
// object-spread: the price table is built once at load
function claude(input: number, output: number): TokenRates {
  return { ...perM(input, output, input * 0.1, input * 1.25), cacheWrite1h: (input * 2) / M };
}

const LONG = 200_000;

/** First match wins: more specific names come before the families they start with. */
// object-spread: built once at load
export const PRICE_TABLE: readonly PriceEntry[] = [
  // --- Gemini (Vertex AI / Gemini API paid tier) ---
  {
    name: 'gemini-3-pro',
    match: /^gemini-3(?:\.\d+)?-pro/,
    ...perM(2, 12, 0.2),
    longContext: { threshold: LONG, ...perM(4, 18, 0.4) },
  },
  { name: 'gemini-3-flash', match: /^gemini-3(?:\.\d+)?-flash/, ...perM(0.5, 3, 0.05) },
  {
    name: 'gemini-2.5-pro',
    match: /^gemini-2\.5-pro/,
    ...perM(1.25, 10, 0.125),
    longContext: { threshold: LONG, ...perM(2.5, 15, 0.25) },
  },
  { name: 'gemini-2.5-flash-lite', match: /^gemini-2\.5-flash-lite/, ...perM(0.1, 0.4, 0.01) },
  { name: 'gemini-2.5-flash', match: /^gemini-2\.5-flash/, ...perM(0.3, 2.5, 0.03) },
  { name: 'gemini-2.0-flash-lite', match: /^gemini-2\.0-flash-lite/, ...perM(0.075, 0.3, 0.01875) },
  { name: 'gemini-2.0-flash', match: /^gemini-2\.0-flash/, ...perM(0.1, 0.4, 0.025) },

  // --- Claude (Anthropic API; Vertex and Bedrock list the same global prices) ---
  // Opus 4.5 and later are priced below Opus 4/4.1. `[5-9](?!\d)` keeps the dated
  // `claude-opus-4-20250514` out.
  { name: 'claude-opus-4.5+', match: /^claude-opus-4[-.][5-9](?!\d)/, ...claude(5, 25) },
  { name: 'claude-opus-4', match: /^claude-(?:opus-4|4-opus)/, ...claude(15, 75) },
  {
    name: 'claude-sonnet-4',
    match: /^claude-(?:sonnet-4|4-sonnet)/,
    ...claude(3, 15),
    // The 1M-token context window bills the whole call at the premium rate above 200k.
    longContext: { threshold: LONG, ...claude(6, 22.5) },
  },
  { name: 'claude-3.7-sonnet', match: /^claude-3[-.]7-sonnet/, ...claude(3, 15) },
  { name: 'claude-3.5-sonnet', match: /^claude-3[-.]5-sonnet/, ...claude(3, 15) },
  { name: 'claude-haiku-4.5', match: /^claude-haiku-4[-.]5(?!\d)/, ...claude(1, 5) },
  { name: 'claude-3.5-haiku', match: /^claude-3[-.]5-haiku/, ...claude(0.8, 4) },
  { name: 'claude-3-haiku', match: /^claude-3-haiku/, ...claude(0.25, 1.25) },

  // --- OpenAI ---
  { name: 'gpt-5-nano', match: /^gpt-5(?:\.\d+)?-nano/, ...perM(0.05, 0.4, 0.005) },
  { name: 'gpt-5-mini', match: /^gpt-5(?:\.\d+)?-mini/, ...perM(0.25, 2, 0.025) },
  // The pro models have no cached-input discount.
  { name: 'gpt-5.2-pro', match: /^gpt-5\.2-pro/, ...perM(21, 168, 21) },
  { name: 'gpt-5-pro', match: /^gpt-5(?:\.1)?-pro/, ...perM(15, 120, 15) },
  { name: 'gpt-5.2', match: /^gpt-5\.2(?!\d)/, ...perM(1.75, 14, 0.175) },
  { name: 'gpt-5', match: /^gpt-5(?:\.1)?(?![.\d])/, ...perM(1.25, 10, 0.125) },
  { name: 'gpt-4.1-nano', match: /^gpt-4\.1-nano/, ...perM(0.1, 0.4, 0.025) },
  { name: 'gpt-4.1-mini', match: /^gpt-4\.1-mini/, ...perM(0.4, 1.6, 0.1) },
  { name: 'gpt-4.1', match: /^gpt-4\.1(?!\d)/, ...perM(2, 8, 0.5) },
  { name: 'gpt-4o-mini', match: /^gpt-4o-mini/, ...perM(0.15, 0.6, 0.075) },
  { name: 'gpt-4o', match: /^gpt-4o(?!-mini)/, ...perM(2.5, 10, 1.25) },
  { name: 'o4-mini', match: /^o4-mini/, ...perM(1.1, 4.4, 0.275) },
  { name: 'o3-mini', match: /^o3-mini/, ...perM(1.1, 4.4, 0.55) },
  { name: 'o3-pro', match: /^o3-pro/, ...perM(20, 80, 20) },
  { name: 'o3', match: /^o3(?:$|-\d)/, ...perM(2, 8, 0.5) },
  { name: 'o1-mini', match: /^o1-mini/, ...perM(1.1, 4.4, 0.55) },
  { name: 'o1', match: /^o1(?:$|-\d|-preview)/, ...perM(15, 60, 7.5) },

  // --- Simulator: nominal, priced like gemini-2.5-flash with Anthropic's write premiums (see the header) ---
  { name: 'sim', match: /^sim(?![a-z0-9])/, ...perM(0.3, 2.5, 0.03, 0.3 * 1.25), cacheWrite1h: (0.3 * 2) / M },
];

// One home for model-name normalisation (the simulator's profiles use it too); re-exported here.
export { normaliseModelName } from '../../util/model-name.ts';

/** The table entry for a normalised name (priceOf keeps the answers). */
function lookup(key: string): PriceEntry | undefined {
  return PRICE_TABLE.find((e) => e.match.test(key));
}

/**
 * The table entry for a model name, or undefined when the table does not know it. With
 * provider `'sim'`, a model named after a real one is priced as it, any other as `sim`.
 */
export function priceOf(model: string, provider?: string): PriceEntry | undefined {
  // Every spend record asks for its deployment's model: the answer is kept per name as given,
  // so the normalisation's and the table's regular expressions run once per name, not per call.
  const asked = provider === 'sim' ? `sim\u0000${model}` : model;
  let hit = byNameAsked.get(asked);
  if (hit === undefined) {
    hit = priceOfUncached(model, provider) ?? null;
    if (byNameAsked.size < MAX_NAMES_ASKED) byNameAsked.set(asked, hit);
  }
  return hit ?? undefined;
}

/** Model names come from the config and the upstreams' answers: a few per deployment. */
const MAX_NAMES_ASKED = 4096;
const byNameAsked = new Map<string, PriceEntry | null>();

function priceOfUncached(model: string, provider: string | undefined): PriceEntry | undefined {
  const key = normaliseModelName(model);
  if (provider !== 'sim') return lookup(key);
  const real = lookup(simulatedModelName(key));
  return real && real.name !== 'sim' ? real : lookup('sim');
}

export interface CostQuote {
  costUsd: number;
  /** False when neither the table nor an override priced the model (costUsd is then 0). */
  priceKnown: boolean;
  /** The table entry used, if any. */
  entry?: string;
}

/**
 * Cost of one call. `usage.input` is the whole prompt: the uncached part
 * (input − cacheRead − cacheWrite) is priced at the input rate, cache reads and writes at
 * theirs (1-hour writes at the 1-hour rate). Reasoning tokens are part of output and priced as output. Override fields replace
 * the table's; a missing cache rate falls back to the input rate.
 * `provider` is the deployment's provider; `'sim'` prices any model name as the simulator.
 */
export function quoteCost(usage: Usage, upstreamModel: string, override?: PriceOverride, provider?: string): CostQuote {
  const entry = priceOf(upstreamModel, provider);
  const o = override ?? {};
  const overridden = o.inputCostPerToken !== undefined || o.outputCostPerToken !== undefined;
  if (!entry && !overridden) return { costUsd: 0, priceKnown: false };

  const base = entry?.longContext && usage.input > entry.longContext.threshold ? entry.longContext : entry;
  const input = o.inputCostPerToken ?? base?.input ?? 0;
  const rates: TokenRates = {
    input,
    output: o.outputCostPerToken ?? base?.output ?? 0,
    cacheRead: o.cacheReadCostPerToken ?? base?.cacheRead ?? input,
    cacheWrite: o.cacheWriteCostPerToken ?? base?.cacheWrite ?? input,
  };
  const cacheWrite1hRate = o.cacheWriteCostPerToken ?? base?.cacheWrite1h ?? rates.cacheWrite;
  const uncached = Math.max(0, usage.input - usage.cacheRead - usage.cacheWrite);
  const write1h = Math.min(usage.cacheWrite1h ?? 0, usage.cacheWrite);
  const costUsd =
    uncached * rates.input +
    usage.cacheRead * rates.cacheRead +
    (usage.cacheWrite - write1h) * rates.cacheWrite +
    write1h * cacheWrite1hRate +
    usage.output * rates.output;
  return { costUsd, priceKnown: true, ...(entry ? { entry: entry.name } : {}) };
}

/** Cost of one call in USD (0 for an unknown model with no override; see quoteCost). */
export function costOf(usage: Usage, upstreamModel: string, override?: PriceOverride, provider?: string): number {
  return quoteCost(usage, upstreamModel, override, provider).costUsd;
}
