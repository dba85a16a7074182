import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyMetrics } from '../../src/proxy/metrics.ts';
import { sampleRecord } from './fixtures.ts';

/** The value of one sample line of the exposition text, found by its exact series. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  assert.ok(line, `series ${series} missing from:\n${body}`);
  return Number(line.slice(series.length + 1));
}

test('render() reports the series of two observed records', async () => {
  const m = new ProxyMetrics();
  m.observe(
    sampleRecord({
      id: 'one',
      usage: { input: 1000, output: 200, cacheRead: 600, cacheWrite: 100, reasoning: 50 },
      costUsd: 0.25,
      durationMs: 1500,
      ttftMs: 300,
      overheadMs: 0.08,
    }),
  );
  m.observe(
    sampleRecord({
      id: 'two',
      surface: 'openai',
      status: 429,
      error: { code: 'rate_limited', kind: 'rate_limit', message: 'slow down' },
      usage: { input: 10, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      costUsd: 0.5,
      durationMs: 20,
      ttftMs: null,
      overheadMs: 2,
    }),
  );
  const { contentType, body } = await m.render();
  assert.match(contentType, /^text\/plain/);
  const a = 'alias="shared-model"';
  assert.equal(sample(body, `agentab_requests_total{${a},surface="anthropic",status="200"}`), 1);
  assert.equal(sample(body, `agentab_requests_total{${a},surface="openai",status="429"}`), 1);
  assert.equal(sample(body, `agentab_errors_total{${a},code="rate_limited"}`), 1);
  assert.equal(sample(body, `agentab_tokens_total{${a},type="input"}`), 1010);
  assert.equal(sample(body, `agentab_tokens_total{${a},type="output"}`), 200);
  assert.equal(sample(body, `agentab_tokens_total{${a},type="cache_read"}`), 600);
  assert.equal(sample(body, `agentab_tokens_total{${a},type="cache_write"}`), 100);
  assert.equal(sample(body, `agentab_tokens_total{${a},type="reasoning"}`), 50);
  assert.equal(sample(body, `agentab_cost_usd_total{${a}}`), 0.75);
  assert.equal(sample(body, `agentab_request_duration_seconds_count{${a}}`), 2);
  assert.equal(sample(body, `agentab_request_duration_seconds_sum{${a}}`), 1.52);
  assert.equal(sample(body, `agentab_request_duration_seconds_bucket{le="1",${a}}`), 1);
  assert.equal(sample(body, `agentab_ttft_seconds_count{${a}}`), 1, 'null ttft is not observed');
  assert.equal(sample(body, `agentab_overhead_seconds_bucket{le="0.0001",${a}}`), 1, '80µs falls in the 100µs bucket');
  assert.equal(sample(body, `agentab_overhead_seconds_count{${a}}`), 2);
});

test('each ProxyMetrics has its own registry', async () => {
  const a = new ProxyMetrics();
  const b = new ProxyMetrics();
  a.observe(sampleRecord());
  assert.match((await a.render()).body, /agentab_requests_total\{/);
  assert.doesNotMatch((await b.render()).body, /agentab_requests_total\{/);
});

test('repeated records of one alias count per surface and status (label children are reused, not shared)', async () => {
  const m = new ProxyMetrics();
  const seen: [string, 'openai' | 'anthropic', number][] = [
    ['shared-model', 'openai', 200], ['shared-model', 'openai', 200], ['shared-model', 'anthropic', 200],
    ['shared-model', 'openai', 500], ['shared-model', 'openai', 200], ['other', 'openai', 200],
  ];
  for (const [alias, surface, status] of seen) m.observe(sampleRecord({ alias, surface, status }));
  const { body } = await m.render();
  assert.equal(sample(body, 'agentab_requests_total{alias="shared-model",surface="openai",status="200"}'), 3);
  assert.equal(sample(body, 'agentab_requests_total{alias="shared-model",surface="anthropic",status="200"}'), 1);
  assert.equal(sample(body, 'agentab_requests_total{alias="shared-model",surface="openai",status="500"}'), 1);
  assert.equal(sample(body, 'agentab_requests_total{alias="other",surface="openai",status="200"}'), 1);
});
