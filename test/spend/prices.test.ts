import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { costOf, normaliseModelName, priceOf, quoteCost, PRICES_AS_OF } from '../../src/proxy/spend/prices.ts';
import type { Usage } from '../../src/canonical/form.ts';

const usage = (u: Partial<Usage>): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...u });
const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

describe('costOf', () => {
  test('gemini-2.5-flash: input and output at list rates', () => {
    // 1M input at $0.30 + 1M output at $2.50
    close(costOf(usage({ input: 1_000_000, output: 1_000_000 }), 'gemini-2.5-flash'), 2.8);
  });

  test('input is the whole prompt: cache reads and writes are split out of it', () => {
    // claude-sonnet-4-5: input $3, cache read $0.30, cache write $3.75, output $15 per 1M
    const u = usage({ input: 10_000, cacheRead: 6_000, cacheWrite: 3_000, output: 500 });
    const expected = (1_000 * 3 + 6_000 * 0.3 + 3_000 * 3.75 + 500 * 15) / 1e6;
    close(costOf(u, 'claude-sonnet-4-5-20250929'), expected);
  });

  test('reasoning tokens are part of output and not billed twice', () => {
    const a = costOf(usage({ input: 100, output: 1_000 }), 'o4-mini');
    const b = costOf(usage({ input: 100, output: 1_000, reasoning: 800 }), 'o4-mini');
    close(a, b);
    close(a, (100 * 1.1 + 1_000 * 4.4) / 1e6);
  });

  test('gemini cache reads at the cached rate, no charge for writes beyond input', () => {
    const u = usage({ input: 100_000, cacheRead: 80_000, output: 1_000 });
    close(costOf(u, 'gemini-2.5-pro'), (20_000 * 1.25 + 80_000 * 0.125 + 1_000 * 10) / 1e6);
  });

  test('gemini-2.5-pro above 200k prompt tokens bills the whole call at the long-context tier', () => {
    const u = usage({ input: 300_000, cacheRead: 100_000, output: 2_000 });
    close(costOf(u, 'gemini-2.5-pro'), (200_000 * 2.5 + 100_000 * 0.25 + 2_000 * 15) / 1e6);
    // exactly 200k stays on the base tier
    close(costOf(usage({ input: 200_000 }), 'gemini-2.5-pro'), (200_000 * 1.25) / 1e6);
  });

  test('opus 4.5 is priced below opus 4 / 4.1', () => {
    const u = usage({ input: 1_000_000 });
    close(costOf(u, 'claude-opus-4-5-20251101'), 5);
    close(costOf(u, 'claude-opus-4-1-20250805'), 15);
    close(costOf(u, 'claude-opus-4-20250514'), 15);
  });

  test('override replaces table rates field by field; missing cache rates fall back to input', () => {
    const u = usage({ input: 1_000, cacheRead: 400, output: 100 });
    close(costOf(u, 'gpt-4o', { inputCostPerToken: 1e-6 }), (600 * 1 + 400 * 1.25 + 100 * 10) / 1e6);
    close(
      costOf(u, 'my-private-model', { inputCostPerToken: 2e-6, outputCostPerToken: 4e-6 }),
      (1_000 * 2 + 100 * 4) / 1e6,
    );
    close(
      costOf(u, 'my-private-model', { inputCostPerToken: 2e-6, outputCostPerToken: 4e-6, cacheReadCostPerToken: 0 }),
      (600 * 2 + 100 * 4) / 1e6,
    );
  });

  test('unknown model without override costs 0 and says so', () => {
    const q = quoteCost(usage({ input: 1_000, output: 10 }), 'mystery-model-9000');
    assert.deepEqual(q, { costUsd: 0, priceKnown: false });
    const known = quoteCost(usage({ input: 1_000 }), 'gpt-4o');
    assert.equal(known.priceKnown, true);
    assert.equal(known.entry, 'gpt-4o');
  });

  test('sim is nominally priced like gemini-2.5-flash, by name or by provider', () => {
    const u = usage({ input: 5_000, cacheRead: 1_000, output: 300 });
    const flash = costOf(u, 'gemini-2.5-flash');
    assert.ok(flash > 0);
    close(costOf(u, 'sim'), flash);
    close(costOf(u, 'sim/fast'), flash);
    close(costOf(u, 'scripted-agent', undefined, 'sim'), flash);
  });

  test('a sim deployment named after a real model is priced as it', () => {
    const u = usage({ input: 5_000, cacheRead: 1_000, cacheWrite: 2_000, output: 300 });
    close(costOf(u, 'claude-sonnet-4-5', undefined, 'sim'), costOf(u, 'claude-sonnet-4-5'));
    close(costOf(u, 'sim/gpt-5', undefined, 'sim'), costOf(u, 'gpt-5'));
  });

  test('cache writes carry a premium and reads a discount; 1-hour writes cost 2× input (Anthropic)', () => {
    const m = 1e-6;
    // claude-sonnet-4: $3 input, $0.30 read, $3.75 5-minute write, $6 1-hour write per MTok.
    close(costOf(usage({ input: 100_000 }), 'claude-sonnet-4-5'), 0.3);
    close(costOf(usage({ input: 100_000, cacheRead: 100_000 }), 'claude-sonnet-4-5'), 0.03);
    close(costOf(usage({ input: 100_000, cacheWrite: 100_000 }), 'claude-sonnet-4-5'), 0.375);
    close(costOf({ ...usage({ input: 100_000, cacheWrite: 100_000 }), cacheWrite1h: 40_000 }, 'claude-sonnet-4-5'), 60_000 * 3.75 * m + 40_000 * 6 * m);
    // The nominal sim model has the same multipliers on its own input rate.
    close(costOf(usage({ input: 100_000, cacheWrite: 100_000 }), 'sim'), 0.03 * 1.25);
    close(costOf(usage({ input: 100_000, cacheRead: 100_000 }), 'sim'), 0.003);
  });

  test('PRICES_AS_OF is an ISO date', () => {
    assert.match(PRICES_AS_OF, /^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('model name matching', () => {
  const cases: Array<[string, string | undefined]> = [
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4'],
    ['anthropic/claude-sonnet-4.5', 'claude-sonnet-4'],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4'],
    ['projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-1@20250805', 'claude-opus-4'],
    ['claude-opus-4-5', 'claude-opus-4.5+'],
    ['claude-3-7-sonnet-20250219', 'claude-3.7-sonnet'],
    ['claude-3-7-sonnet@20250219', 'claude-3.7-sonnet'],
    ['claude-haiku-4-5@20251001', 'claude-haiku-4.5'],
    ['claude-3-5-haiku-20241022', 'claude-3.5-haiku'],
    ['publishers/google/models/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['google/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['gemini-2.5-flash-preview-09-2025', 'gemini-2.5-flash'],
    ['gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
    ['models/gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['gemini-2.0-flash-lite-001', 'gemini-2.0-flash-lite'],
    ['gemini-3-pro-preview', 'gemini-3-pro'],
    ['vertex_ai/gemini-3-pro-preview', 'gemini-3-pro'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai/gpt-4.1', 'gpt-4.1'],
    ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
    ['gpt-4.1-nano', 'gpt-4.1-nano'],
    ['gpt-5', 'gpt-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['gpt-5-mini', 'gpt-5-mini'],
    ['gpt-5-nano-2025-08-07', 'gpt-5-nano'],
    ['gpt-5-pro', 'gpt-5-pro'],
    ['o3', 'o3'],
    ['o3-2025-04-16', 'o3'],
    ['o3-mini', 'o3-mini'],
    ['o4-mini-2025-04-16', 'o4-mini'],
    ['o3-deep-research', undefined],
    ['simple-model', undefined],
    ['llama-3.1-8b', undefined],
  ];
  for (const [model, family] of cases) {
    test(`${model} → ${family ?? 'unknown'}`, () => {
      assert.equal(priceOf(model)?.name, family);
    });
  }

  test('normaliseModelName strips paths, version suffixes and Bedrock decorations', () => {
    assert.equal(normaliseModelName('publishers/google/models/gemini-2.5-pro'), 'gemini-2.5-pro');
    assert.equal(normaliseModelName('claude-sonnet-4-5@20250929'), 'claude-sonnet-4-5');
    assert.equal(normaliseModelName('anthropic.claude-3-5-haiku-20241022-v1:0'), 'claude-3-5-haiku-20241022');
    assert.equal(normaliseModelName('Sim/Fast'), 'sim/fast');
  });
});
