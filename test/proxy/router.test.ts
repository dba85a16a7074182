/** Router: load balancing across deployments, retries with backoff, fallbacks. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseProxyConfig } from '../../src/config/proxy-config.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { Router } from '../../src/proxy/router.ts';

function config(strategy: string, weights = [1, 1, 1]) {
  return parseProxyConfig(
    `model_list:
${weights.map((w, i) => `  - model_name: m\n    litellm_params: { model: openai/d${i}, api_base: http://127.0.0.1:9/v1, weight: ${w} }`).join('\n')}
  - model_name: other
    litellm_params: { model: openai/o, api_base: http://127.0.0.1:9/v1 }
router_settings:
  routing_strategy: ${strategy}
  num_retries: 2
  fallbacks: [{m: [other]}]
`,
    { source: 'router.yaml', env: {} },
  );
}

/** A seeded LCG so the shuffle is reproducible. */
function lcg(seed = 1) {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296);
}

const noSleep = async () => {};
const sig = new AbortController().signal;

describe('Router', () => {
  test('simple-shuffle spreads requests in proportion to weight', async () => {
    const r = new Router(config('simple-shuffle', [1, 1, 2]), { random: lcg(42), sleep: noSleep });
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const res = await r.call('m', sig, async (d) => d.id);
      res.release();
      counts.set(res.value, (counts.get(res.value) ?? 0) + 1);
    }
    const share = (id: string) => (counts.get(id) ?? 0) / 4000;
    assert.ok(Math.abs(share('m#0') - 0.25) < 0.04, `m#0 ${share('m#0')}`);
    assert.ok(Math.abs(share('m#1') - 0.25) < 0.04, `m#1 ${share('m#1')}`);
    assert.ok(Math.abs(share('m#2') - 0.5) < 0.04, `m#2 ${share('m#2')}`);
  });

  test('round-robin cycles through deployments', async () => {
    const r = new Router(config('round-robin'), { sleep: noSleep });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await r.call('m', sig, async (d) => d.id)).value);
    assert.deepEqual(ids, ['m#0', 'm#1', 'm#2', 'm#0', 'm#1', 'm#2']);
  });

  test('least-busy prefers the deployment with the fewest requests in flight', async () => {
    const r = new Router(config('least-busy'), { sleep: noSleep });
    const a = await r.call('m', sig, async (d) => d.id);
    const b = await r.call('m', sig, async (d) => d.id);
    assert.notEqual(a.value, b.value);
    const c = await r.call('m', sig, async (d) => d.id);
    assert.equal(new Set([a.value, b.value, c.value]).size, 3);
    a.release();
    const d = await r.call('m', sig, async (x) => x.id);
    assert.equal(d.value, a.value, 'the released deployment is the least busy again');
  });

  test('retryable errors are retried on other deployments, then fall back to the next alias', async () => {
    const delays: number[] = [];
    const r = new Router(config('round-robin'), { sleep: noSleep, onRetry: (i) => delays.push(i.delayMs), random: () => 0.5 });
    const tried: string[] = [];
    const res = await r.call('m', sig, async (d) => {
      tried.push(d.id);
      if (d.alias === 'm') throw new ProxyError('boom', { code: 'x', kind: 'unavailable', retryable: true });
      return 'ok';
    });
    assert.equal(res.value, 'ok');
    assert.deepEqual(tried, ['m#0', 'm#1', 'm#2', 'other#0']);
    assert.equal(res.attempts, 4);
    assert.equal(res.deployment.id, 'other#0');
    assert.equal(delays.length, 2);
    assert.ok(delays[1]! > delays[0]!, 'exponential backoff');
  });

  test('Retry-After is honoured; invalid requests are neither retried nor failed over', async () => {
    const delays: number[] = [];
    const r = new Router(config('round-robin'), { sleep: noSleep, onRetry: (i) => delays.push(i.delayMs) });
    let n = 0;
    await r.call('m', sig, async () => {
      if (n++ === 0) throw new ProxyError('slow down', { code: 'rl', kind: 'rate_limit', retryable: true, retryAfterMs: 3000 });
      return 1;
    });
    assert.ok(delays[0]! >= 3000);
    let calls = 0;
    await assert.rejects(
      r.call('m', sig, async () => {
        calls++;
        throw new ProxyError('bad', { code: 'bad', kind: 'invalid_request' });
      }),
      /bad/,
    );
    assert.equal(calls, 1);
  });

  test('an unknown alias names the known ones', async () => {
    const r = new Router(config('simple-shuffle'));
    await assert.rejects(r.call('zzz', sig, async () => 1), (e: unknown) => {
      assert.ok(e instanceof ProxyError);
      assert.equal(e.status, 404);
      assert.match(e.message, /unknown model "zzz"; this proxy serves: m, other/);
      return true;
    });
  });
});
