import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment, SimOptions } from '../../src/config/types.ts';
import { SimBackend } from '../../src/proxy/backends/sim/index.ts';
import { type CallOptions, UpstreamTimer } from '../../src/proxy/backends/types.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { countRequestTokens } from '../../src/canonical/tokens.ts';
import { silentLogger } from '../../src/util/log.ts';
import { claudeCodeTools, fakeSleep, opts, readAll, request } from './fixtures.ts';

function callOptions(sim: SimOptions | undefined, over: Partial<CallOptions> = {}): CallOptions & { ticks: () => number } {
  let t = 0;
  // A clock that advances 10 ms per reading, so upstream time is visibly accumulated.
  const now = () => (t += 10);
  const deployment: Deployment = {
    id: 'shared-model#0',
    alias: 'shared-model',
    provider: 'sim',
    model: 'sim-large',
    timeoutMs: 60_000,
    ttftTimeoutMs: 30_000,
    maxRetries: 0,
    weight: 1,
    ...(sim ? { sim } : {}),
  };
  return { deployment, signal: new AbortController().signal, timer: new UpstreamTimer(now), log: silentLogger, ticks: () => t, ...over };
}

describe('SimBackend', () => {
  test('streams through the simulator and times the upstream', async () => {
    const backend = new SimBackend({ sleep: fakeSleep() });
    const o = callOptions(opts(), { cell: { id: 'c1', registered: { simScript: [{ action: 'bash', command: 'ls' }] }, headers: {} } });
    const stream = await backend.stream(request({ tools: claudeCodeTools }), o);
    assert.equal(o.timer.firstByteAt, undefined);
    const parts = await readAll(stream);
    const start = parts.find((p) => p.type === 'tool-call-start');
    assert.ok(start?.type === 'tool-call-start' && start.name === 'Bash');
    const first = parts[0];
    assert.ok(first?.type === 'message-start' && first.model === 'sim-large');
    assert.ok(o.timer.firstByteAt !== undefined);
    assert.ok(o.timer.upstreamMs > 0);
    assert.equal(backend.kind, 'sim');
  });

  test('generate answers all at once with the default script when none is given', async () => {
    const backend = new SimBackend({ sleep: fakeSleep() });
    const o = callOptions(undefined);
    const res = await backend.generate(request({ stream: false }), o);
    assert.equal(res.finish, 'stop');
    assert.ok(res.content[0]?.type === 'text' && res.content[0].text.length > 20);
    assert.ok(o.timer.firstByteAt !== undefined && o.timer.upstreamMs > 0);
  });

  test('a drawn failure rejects stream() so the router can retry', async () => {
    const backend = new SimBackend({ sleep: fakeSleep() });
    const o = callOptions(opts({ rateLimitRate: 1 }));
    await assert.rejects(backend.stream(request(), o), (e) => e instanceof ProxyError && e.kind === 'rate_limit');
    assert.ok(o.timer.upstreamMs > 0, 'the failed attempt still counts as upstream time');
  });

  test('prompt caching is remembered across calls of one backend, per cell unless shared', async () => {
    const backend = new SimBackend({ sleep: fakeSleep(), now: () => 0 });
    const big = request({ tools: claudeCodeTools, system: [{ type: 'text', text: 'Rules.\n'.repeat(1_500), cacheControl: { ttl: '5m' } }] });
    const inCell = (cellId: string, o = opts()) => ({ ...callOptions(o), cell: { id: cellId, registered: {}, headers: {} } });
    const a = await backend.generate(big, inCell('cell-a'));
    const b = await backend.generate(big, inCell('cell-a'));
    assert.ok(a.usage.cacheWrite > 0 && a.usage.cacheRead === 0);
    assert.equal(b.usage.cacheRead, a.usage.cacheWrite);
    // Another cell has its own cache: it writes again rather than reading cell-a's.
    const other = await backend.generate(big, inCell('cell-b'));
    assert.equal(other.usage.cacheRead, 0);
    assert.equal(other.usage.cacheWrite, a.usage.cacheWrite);
    // With `shared`, cells share one cache: the second cell reads what the first wrote.
    const shared = opts({ cache: { rules: 'auto', shared: true } });
    const first = await backend.generate(big, inCell('cell-c', shared));
    const second = await backend.generate(big, inCell('cell-d', shared));
    assert.equal(first.usage.cacheWrite, a.usage.cacheWrite);
    assert.equal(second.usage.cacheRead, a.usage.cacheWrite);
  });

  test('counts tokens of a request', async () => {
    const backend = new SimBackend();
    const req = request({ tools: claudeCodeTools });
    assert.equal(await backend.countTokens(req), countRequestTokens(req));
  });
});
