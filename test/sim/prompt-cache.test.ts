/**
 * Prompt caching by each provider's rules, through the simulated model: multi-turn
 * conversations whose growing prefix is written then read, no markers → no caching on
 * Anthropic, OpenAI's 1,024 + 128k rounding, Gemini's implicit caching, TTLs with an injected
 * clock, breakpoint limits, and per-scope isolation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanonicalMessage, CanonicalRequest, CanonicalResponse, Dialect } from '../../src/canonical/form.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { simulateResponse } from '../../src/sim/model.ts';
import { createSimState } from '../../src/sim/plan.ts';
import { openAiCachedTokens, PromptCache } from '../../src/sim/prompt-cache.ts';
import { promptSegments } from '../../src/sim/prompt-segments.ts';
import { countRequestTokens } from '../../src/canonical/tokens.ts';
import { minCacheableTokens } from '../../src/sim/cache-rules.ts';
import { claudeCodeTools, fakeSleep, longSystem, opts, request } from './fixtures.ts';

const FIVE_MIN = 5 * 60_000;
const SCRIPT = [
  { action: 'read' as const, path: 'a.txt' },
  { action: 'read' as const, path: 'b.txt' },
  { action: 'read' as const, path: 'c.txt' },
  { action: 'read' as const, path: 'd.txt' },
  { action: 'say' as const, text: 'Done.' },
];
/** A tool result of a few hundred tokens, so each turn grows the prompt visibly. */
const FILE_BODY = 'export function add(a, b) { return a + b; }\n'.repeat(40);

/** A Claude Code-like conversation: markers on the last system block and on the last message's last block. */
function withMarkers(req: CanonicalRequest, mark: boolean): CanonicalRequest {
  if (!mark) return req;
  const system = req.system.map((p, i) => (i === req.system.length - 1 ? { ...p, cacheControl: { ttl: '5m' as const } } : p));
  const messages = req.messages.map((m, i): CanonicalMessage => {
    if (i !== req.messages.length - 1) return m;
    const content = m.content.map((p, j) => (j === m.content.length - 1 ? { ...p, cacheControl: { ttl: '5m' as const } } : p));
    return { ...m, content } as CanonicalMessage;
  });
  return { ...req, system, messages };
}

/** The next request of the conversation: the answer, then the tool's result (unmarked). */
function nextTurn(req: CanonicalRequest, res: CanonicalResponse): CanonicalRequest {
  const call = res.content.find((p) => p.type === 'tool-call');
  const stripped = req.messages.map((m): CanonicalMessage => ({ ...m, content: m.content.map(({ cacheControl: _drop, ...p }: { cacheControl?: unknown }) => p) } as CanonicalMessage));
  const messages: CanonicalMessage[] = [...stripped, { role: 'assistant', content: res.content }];
  if (call?.type === 'tool-call') {
    messages.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: call.id, content: [{ type: 'text', text: FILE_BODY }] }] });
  }
  return { ...req, system: req.system.map(({ cacheControl: _drop, ...p }) => p), messages };
}

async function conversation(dialect: Dialect, o: { mark: boolean; turns?: number; now?: () => number; model?: string }) {
  const state = createSimState(o.now ?? (() => 0));
  const deps = { sleep: fakeSleep(), state, model: o.model ?? 'sim-default', cacheScope: 'cell-1' };
  let req = request({ tools: claudeCodeTools, system: [{ type: 'text', text: 'You are a coding agent.' }, { type: 'text', text: longSystem }], sourceDialect: dialect });
  const usages = [];
  for (let turn = 0; turn < (o.turns ?? 4); turn++) {
    const res = await simulateResponse(withMarkers(req, o.mark), opts({ jitter: 0 }), SCRIPT, deps);
    usages.push(res.usage);
    req = nextTurn(req, res);
  }
  return usages;
}

describe('prompt caching: Anthropic breakpoints', () => {
  test('with markers: the first turn writes the prefix, later turns read the previous prefix and write the new part', async () => {
    const usages = await conversation('anthropic', { mark: true });
    const [first, ...rest] = usages;
    assert.ok(first);
    assert.equal(first.cacheRead, 0);
    assert.ok(first.cacheWrite > 1_024, `first write ${first.cacheWrite}`);
    // The marker sits on the last block, so everything is cached: written now or read.
    assert.equal(first.cacheWrite, first.input);
    let previousPrompt = first.input;
    for (const u of rest) {
      assert.equal(u.cacheRead, previousPrompt, 'reads exactly the previous turn’s prompt (the growing prefix)');
      assert.equal(u.cacheWrite, u.input - previousPrompt, 'writes only what the turn added');
      assert.ok(u.cacheWrite > 0);
      previousPrompt = u.input;
    }
  });

  test('without markers nothing is cached', async () => {
    const usages = await conversation('anthropic', { mark: false });
    for (const u of usages) assert.deepEqual([u.cacheRead, u.cacheWrite], [0, 0]);
  });

  test('a prefix below the model minimum is not cached, and not an error', async () => {
    const cache = new PromptCache(() => 0);
    const req = request({ system: [{ type: 'text', text: 'Short system prompt.', cacheControl: { ttl: '5m' } }] });
    const segments = promptSegments(req, 'claude-sonnet-4-5');
    assert.deepEqual(cache.account('s', 'anthropic', segments, minCacheableTokens('anthropic', 'claude-sonnet-4-5')), { cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 });
    assert.deepEqual(cache.account('s', 'anthropic', segments, minCacheableTokens('anthropic', 'claude-sonnet-4-5')), { cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 });
  });

  test('minimum cacheable lengths per model family, as documented', () => {
    assert.equal(minCacheableTokens('anthropic', 'claude-sonnet-4-5-20250929'), 1_024);
    assert.equal(minCacheableTokens('anthropic', 'claude-opus-4-1'), 1_024);
    assert.equal(minCacheableTokens('anthropic', 'claude-opus-4-5'), 4_096);
    assert.equal(minCacheableTokens('anthropic', 'sim/claude-haiku-4-5'), 4_096);
    assert.equal(minCacheableTokens('anthropic', 'claude-3-5-haiku-latest'), 2_048);
    assert.equal(minCacheableTokens('openai', 'gpt-5'), 1_024);
    assert.equal(minCacheableTokens('gemini', 'gemini-2.5-pro'), 4_096);
    assert.equal(minCacheableTokens('gemini', 'gemini-2.5-flash'), 1_024);
  });

  test('5-minute TTL: a read refreshes it, 5 idle minutes expire it (injected clock)', async () => {
    let clock = 0;
    const cache = new PromptCache(() => clock);
    const req = request({ tools: claudeCodeTools, system: [{ type: 'text', text: longSystem, cacheControl: { ttl: '5m' } }] });
    const segments = promptSegments(req, 'sim-default');
    const write = cache.account('s', 'anthropic', segments, 1_024);
    assert.ok(write.cacheWrite > 1_024 && write.cacheRead === 0);
    clock += 4 * 60_000;
    assert.equal(cache.account('s', 'anthropic', segments, 1_024).cacheRead, write.cacheWrite, 'read within 5 minutes');
    clock += 4 * 60_000; // 8 minutes after the write, 4 after the read that refreshed it
    assert.equal(cache.account('s', 'anthropic', segments, 1_024).cacheRead, write.cacheWrite, 'the read refreshed the TTL');
    clock += FIVE_MIN; // exactly 5 idle minutes
    const expired = cache.account('s', 'anthropic', segments, 1_024);
    assert.deepEqual([expired.cacheRead, expired.cacheWrite], [0, write.cacheWrite], 'expired: written again');
  });

  test('1-hour TTL: survives 30 idle minutes, reports its share of the write, expires after an hour', () => {
    let clock = 0;
    const cache = new PromptCache(() => clock);
    const req = request({
      tools: claudeCodeTools,
      system: [{ type: 'text', text: longSystem, cacheControl: { ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: FILE_BODY, cacheControl: { ttl: '5m' } }] }],
    });
    const segments = promptSegments(req, 'sim-default');
    const longPrefix = segments.findLast((s) => s.mark?.ttl === '1h')?.cumulative ?? 0;
    const first = cache.account('s', 'anthropic', segments, 1_024);
    assert.equal(first.cacheWrite, countRequestTokens(req));
    assert.equal(first.cacheWrite1h, longPrefix);
    clock += 30 * 60_000;
    const later = cache.account('s', 'anthropic', segments, 1_024);
    assert.equal(later.cacheRead, longPrefix, 'the 1h entry is alive; the 5m one expired');
    assert.equal(later.cacheWrite, first.cacheWrite - longPrefix);
    assert.equal(later.cacheWrite1h, 0);
    clock += 61 * 60_000;
    assert.equal(cache.account('s', 'anthropic', segments, 1_024).cacheRead, 0);
  });

  test('more than 4 breakpoints, or 1h after 5m, is a 400 as Anthropic answers', () => {
    const cache = new PromptCache(() => 0);
    const mark = { ttl: '5m' as const };
    const five = request({ system: [1, 2, 3, 4, 5].map((i) => ({ type: 'text' as const, text: `block ${i}`, cacheControl: mark })) });
    assert.throws(
      () => cache.account('s', 'anthropic', promptSegments(five, 'm'), 1_024),
      (e) => e instanceof ProxyError && e.kind === 'invalid_request' && /maximum of 4 blocks with cache_control/.test(e.message),
    );
    const order = request({ system: [{ type: 'text', text: 'a', cacheControl: mark }, { type: 'text', text: 'b', cacheControl: { ttl: '1h' } }] });
    assert.throws(() => cache.account('s', 'anthropic', promptSegments(order, 'm'), 1_024), /ttl "1h" cannot come after/);
    // The same request in OpenAI's dialect is fine: OpenAI ignores markers.
    assert.equal(cache.account('s', 'openai', promptSegments(five, 'm'), 1_024).cacheRead, 0);
  });

  test('the lookback finds a prefix cached at an earlier breakpoint up to 20 blocks back, not further', () => {
    const cache = new PromptCache(() => 0);
    const msgs = (n: number, markLast: boolean): CanonicalMessage[] =>
      Array.from({ length: n }, (_, i) => ({ role: 'user', content: [{ type: 'text', text: `note ${i}`, ...(markLast && i === n - 1 ? { cacheControl: { ttl: '5m' as const } } : {}) }] }));
    const base = { system: [{ type: 'text' as const, text: longSystem }] };
    const first = promptSegments(request({ ...base, messages: msgs(1, true) }), 'm');
    cache.account('s', 'anthropic', first, 1_024);
    const near = promptSegments(request({ ...base, messages: msgs(20, true) }), 'm'); // 19 blocks later
    assert.equal(cache.account('s', 'anthropic', near, 1_024).cacheRead, first.at(-1)?.cumulative);
    const cache2 = new PromptCache(() => 0);
    cache2.account('s', 'anthropic', first, 1_024);
    const far = promptSegments(request({ ...base, messages: msgs(25, true) }), 'm'); // 24 blocks later
    assert.equal(cache2.account('s', 'anthropic', far, 1_024).cacheRead, 0);
  });
});

describe('prompt caching: OpenAI automatic', () => {
  test('cached tokens come in 1,024 + 128k steps', () => {
    assert.equal(openAiCachedTokens(1_023), 0);
    assert.equal(openAiCachedTokens(1_024), 1_024);
    assert.equal(openAiCachedTokens(1_151), 1_024);
    assert.equal(openAiCachedTokens(1_152), 1_152);
    assert.equal(openAiCachedTokens(5_000), 4_992);
  });

  test('multi-turn without markers: the previous prompt is read, rounded down to 128 tokens; nothing is written', async () => {
    const usages = await conversation('openai', { mark: false });
    const [first, ...rest] = usages;
    assert.deepEqual([first?.cacheRead, first?.cacheWrite], [0, 0]);
    let previous = first?.input ?? 0;
    for (const u of rest) {
      assert.equal(u.cacheRead, openAiCachedTokens(previous));
      assert.equal((u.cacheRead - 1_024) % 128, 0);
      assert.ok(u.cacheRead <= previous && previous - u.cacheRead < 128);
      assert.equal(u.cacheWrite, 0);
      previous = u.input;
    }
  });

  test('prompts under 1,024 tokens are never cached', async () => {
    const state = createSimState(() => 0);
    const small = request({ sourceDialect: 'openai' });
    for (let i = 0; i < 2; i++) {
      const res = await simulateResponse(small, opts(), undefined, { sleep: fakeSleep(), state });
      assert.equal(res.usage.cacheRead, 0);
    }
  });
});

describe('prompt caching: Gemini implicit', () => {
  test('a repeated prefix is read in full (cachedContentTokenCount), nothing written', async () => {
    const usages = await conversation('gemini', { mark: false, model: 'gemini-2.5-flash' });
    let previous = usages[0]?.input ?? 0;
    assert.equal(usages[0]?.cacheRead, 0);
    for (const u of usages.slice(1)) {
      assert.equal(u.cacheRead, previous);
      assert.equal(u.cacheWrite, 0);
      previous = u.input;
    }
  });

  test('expires after 5 idle minutes (injected clock)', async () => {
    let clock = 0;
    const state = createSimState(() => clock);
    const req = request({ tools: claudeCodeTools, system: [{ type: 'text', text: longSystem }], sourceDialect: 'gemini' });
    const run = () => simulateResponse(req, opts(), undefined, { sleep: fakeSleep(), state, model: 'gemini-2.5-flash' });
    await run();
    clock += 60_000;
    assert.equal((await run()).usage.cacheRead, countRequestTokens(req));
    clock += FIVE_MIN + 1;
    assert.equal((await run()).usage.cacheRead, 0);
  });
});

describe('prompt caching: scope and timing', () => {
  test('scopes do not share entries', () => {
    const cache = new PromptCache(() => 0);
    const segments = promptSegments(request({ tools: claudeCodeTools, system: [{ type: 'text', text: longSystem }], sourceDialect: 'openai' }), 'm');
    cache.account('cell-a', 'openai', segments, 1_024);
    assert.equal(cache.account('cell-b', 'openai', segments, 1_024).cacheRead, 0);
    assert.ok(cache.account('cell-a', 'openai', segments, 1_024).cacheRead > 0);
  });

  test('cached tokens shorten the time to first token', async () => {
    const state = createSimState(() => 0);
    const req = request({ tools: claudeCodeTools, system: [{ type: 'text', text: longSystem, cacheControl: { ttl: '5m' } }] });
    const o = opts({ jitter: 0, ttftMs: 100, ttftMsPer1kTokens: 100 });
    const cold = fakeSleep();
    await simulateResponse(req, o, undefined, { sleep: cold, state });
    const warm = fakeSleep();
    await simulateResponse(req, o, undefined, { sleep: warm, state });
    const tokens = countRequestTokens(req);
    assert.equal(Math.round(cold.calls[0] ?? 0), Math.round(100 + (100 * tokens) / 1000));
    assert.ok((warm.calls[0] ?? 0) < (cold.calls[0] ?? 0) * 0.4, `${warm.calls[0]} vs ${cold.calls[0]}`);
  });
});
