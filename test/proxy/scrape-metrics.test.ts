import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyMetrics } from '../../src/proxy/metrics.ts';
import { ScrapeCounter, ScrapeHistogram } from '../../src/proxy/scrape-metrics.ts';
import { Registry } from 'prom-client';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { sampleRecord } from '../spend/fixtures.ts';
import { PromClientProxyMetrics } from './fixtures/prom-client-metrics.ts';

/** A small deterministic generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// Bucket bounds exactly, values above every bound, zero, tiny and fractional ones.
const SECONDS = [0, 0.00005, 0.0001, 0.00025, 0.001, 0.0123, 0.05, 0.1, 1, 2, 29.9, 30, 300, 301, 1e6];
const ALIASES = ['model-a', 'model-b', 'weird "quoted" \\ name', 'line\nbreak', 'esc\u001b[0m', 'not-configured', 'also-unknown'];
const CONFIGURED = new Set(ALIASES.slice(0, 5));

function generatedRecord(r: () => number, i: number): SpendRecord {
  const tokens = () => (r() < 0.3 ? 0 : Math.floor(r() * 5000));
  const failed = r() < 0.2;
  return sampleRecord({
    id: `req_${i}`,
    alias: pick(r, ALIASES),
    surface: pick(r, ['anthropic', 'openai', 'gemini', 'openai-responses']),
    status: failed ? pick(r, [400, 429, 499, 502, 529]) : 200,
    error: failed ? { code: pick(r, ['rate_limited', 'upstream_error', 'client_closed', 'odd\u0007code']), kind: 'rate_limit', message: 'x' } : null,
    usage: { input: tokens(), output: tokens(), cacheRead: tokens(), cacheWrite: tokens(), reasoning: tokens() },
    costUsd: r() < 0.2 ? null : r() < 0.3 ? 0 : r() * 0.37,
    durationMs: pick(r, SECONDS) * 1000,
    ttftMs: r() < 0.3 ? null : pick(r, SECONDS) * 1000,
    overheadMs: pick(r, SECONDS) * 1000,
  });
}

test('the exposition equals the prom-client ProxyMetrics byte for byte over generated calls', async () => {
  for (const seed of [1, 2, 3]) {
    const labelOf = (name: string) => (CONFIGURED.has(name) ? name : undefined);
    const ours = new ProxyMetrics(undefined, labelOf);
    const reference = new PromClientProxyMetrics(undefined, labelOf);
    assert.equal((await ours.render()).body, (await reference.render()).body, 'before any call');
    const r = rng(seed);
    for (let i = 1; i <= 600; i++) {
      const rec = generatedRecord(r, i);
      ours.observe(rec);
      reference.observe(rec);
      if (i % 97 === 0 || i === 1 || i === 600) {
        const [a, b] = [await ours.render(), await reference.render()];
        assert.equal(a.contentType, b.contentType);
        // lines, so a failure shows the differing lines rather than two long strings
        assert.deepEqual(a.body.split('\n'), b.body.split('\n'), `seed ${seed}, after ${i} calls`);
      }
    }
  }
});

test('a series is shown from its first count: histograms from their first observation, as prom-client does', async () => {
  const ours = new ProxyMetrics();
  const reference = new PromClientProxyMetrics();
  const noTtft = sampleRecord({ ttftMs: null });
  ours.observe(noTtft);
  reference.observe(noTtft);
  const body = (await ours.render()).body;
  assert.equal(body, (await reference.render()).body);
  assert.doesNotMatch(body, /agentab_ttft_seconds_count/);
  assert.match(body, /agentab_tokens_total\{alias="shared-model",type="reasoning"\} 0/);
});

test('invalid values throw as prom-client does and count nothing', async () => {
  const registry = new Registry();
  const counter = new ScrapeCounter('c_total', 'c', registry);
  const histogram = new ScrapeHistogram('h_seconds', 'h', [1, 2], registry);
  const c = counter.series({ alias: 'a' });
  const h = histogram.series({ alias: 'a' });
  assert.throws(() => c.inc(Number.POSITIVE_INFINITY), { name: 'TypeError', message: 'Value is not a valid number: Infinity' });
  assert.throws(() => c.inc(-1), { message: 'It is not possible to decrease a counter' });
  assert.throws(() => h.observe(Number.POSITIVE_INFINITY), { name: 'TypeError', message: 'Value is not a valid number: Infinity' });
  c.inc();
  h.observe(3);
  assert.equal(
    await registry.metrics(),
    '# HELP c_total c\n# TYPE c_total counter\nc_total{alias="a"} 1\n\n' +
      '# HELP h_seconds h\n# TYPE h_seconds histogram\nh_seconds_bucket{le="1",alias="a"} 0\nh_seconds_bucket{le="2",alias="a"} 0\n' +
      'h_seconds_bucket{le="+Inf",alias="a"} 1\nh_seconds_sum{alias="a"} 3\nh_seconds_count{alias="a"} 1\n',
  );
});
