/**
 * The real Claude Code through agentab to the simulator, with and without
 * DISABLE_PROMPT_CACHING=1: with caching it marks cache breakpoints (system prompt and the
 * latest message), so the simulator writes the prefix once and reads the growing prefix on
 * every later call; without, nothing is cached. Priced as Claude Sonnet, the cached run must
 * cost less for the same work, as a real Anthropic bill would.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { runClaude } from '../helpers/agents.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const CONTENT = 'cached hello\n';
const SCRIPT = JSON.stringify([
  { action: 'write', path: 'hello.txt', content: CONTENT },
  { action: 'bash', command: 'cat hello.txt' },
  { action: 'read', path: 'hello.txt' },
  { action: 'say', text: 'All done.' },
]);

interface Totals {
  calls: number;
  input: number;
  cacheRead: number;
  cacheWrite: number;
  costUsd: number;
}

function totals(records: SpendRecord[]): Totals {
  const t: Totals = { calls: 0, input: 0, cacheRead: 0, cacheWrite: 0, costUsd: 0 };
  for (const r of records) {
    t.calls++;
    t.input += r.usage.input;
    t.cacheRead += r.usage.cacheRead;
    t.cacheWrite += r.usage.cacheWrite;
    t.costUsd += r.costUsd ?? 0;
  }
  return t;
}

describe('Claude Code prompt caching through the simulator', { timeout: 600_000 }, () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy(`
model_list:
  - model_name: claude-sim
    litellm_params:
      model: sim/claude-sonnet-4-5
      sim: { ttft_ms: 10, ttft_ms_per_1k_tokens: 1, tokens_per_second: 5000, jitter: 0 }
`);
  });
  after(async () => {
    await proxy?.close();
  });

  async function run(cell: string, env: Record<string, string>): Promise<Totals> {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-cache-ws-'));
    const r = await runClaude({
      baseUrl: `${proxy.url}/cell/${cell}`,
      token: proxy.cellToken(cell),
      cwd: dir,
      prompt: 'Create hello.txt, show it, read it back.',
      alias: 'claude-sim',
      cellId: cell,
      extraHeaders: { 'x-agentab-sim-script': SCRIPT },
      env,
    });
    const result = r.events.find((e) => e.type === 'result') as { subtype?: string } | undefined;
    assert.equal(result?.subtype, 'success', r.stdout.slice(-2000) + r.stderr.slice(-2000));
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), CONTENT);
    const calls = (await proxy.spend()).filter((s) => s.cell === cell && s.endpoint === 'messages');
    assert.ok(calls.every((c) => c.status === 200), JSON.stringify(calls.map((c) => c.error)));
    return totals(calls);
  }

  test('with markers the growing prefix is written then read; DISABLE_PROMPT_CACHING=1 caches nothing and costs more', async () => {
    const cached = await run('cc-cache-on', {});
    const uncached = await run('cc-cache-off', { DISABLE_PROMPT_CACHING: '1' });
    const shown = JSON.stringify({ cached, uncached });
    assert.ok(cached.calls >= 4 && uncached.calls >= 4, shown);
    // Caching on: one write of the big prefix, then reads of it on every later call.
    assert.ok(cached.cacheWrite > 1_024, shown);
    assert.ok(cached.cacheRead > cached.cacheWrite, `later calls read more than was ever written at once: ${shown}`);
    assert.ok(cached.cacheRead > 0.5 * cached.input, shown);
    // Caching off: no markers, so Anthropic's rules cache nothing.
    assert.equal(uncached.cacheRead, 0, shown);
    assert.equal(uncached.cacheWrite, 0, shown);
    // The same work at about the same prompt size costs less with cache reads at 0.1×.
    assert.ok(Math.abs(cached.input - uncached.input) < 0.1 * uncached.input, shown);
    assert.ok(cached.costUsd < 0.6 * uncached.costUsd, shown);
    console.log(`# prompt caching e2e: ${shown}`);
  });
});
