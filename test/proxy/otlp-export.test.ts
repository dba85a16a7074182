/**
 * OpenTelemetry export: a real proxy (simulator backend) called by the official `openai` and
 * `@anthropic-ai/sdk` clients exports one span per call, with the GenAI conventions, to a
 * test OTLP/HTTP JSON receiver; a receiver that is down, failing or hanging changes nothing
 * for the requests. Also the proxy's own phases in the spend line, tiling the call.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { PROXY_PHASES } from '../../src/proxy/call-phases.ts';
import { tracesUrl } from '../../src/proxy/otlp/exporter.ts';

const YAML = `
model_list:
  - model_name: shared-model
    litellm_params:
      model: sim/sim-default
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
      sim: { seed: 1, ttft_ms: 5, ttft_ms_per_1k_tokens: 0, tokens_per_second: 20000, jitter: 0 }
general_settings:
  master_key: sk-master-otlp-test-123456
`;
const KEY = 'sk-master-otlp-test-123456';

/** Two streamed and one plain OpenAI call, one streamed Anthropic call, one count_tokens. */
async function makeCalls(proxy: TestProxy, cell: string): Promise<void> {
  const openai = new OpenAI({ baseURL: `${proxy.url}/cell/${cell}/v1`, apiKey: KEY, maxRetries: 0 });
  for (let i = 0; i < 2; i++) {
    const stream = await openai.chat.completions.create({ model: 'shared-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `hello ${i}` }] });
    for await (const _ of stream) void _;
  }
  const plain = await openai.chat.completions.create({ model: 'shared-model', messages: [{ role: 'user', content: 'plain' }] });
  assert.ok(plain.choices[0]?.message);
  const anthropic = new Anthropic({ baseURL: `${proxy.url}/cell/${cell}`, apiKey: KEY, maxRetries: 0 });
  const msg = await anthropic.messages.stream({ model: 'shared-model', max_tokens: 64, messages: [{ role: 'user', content: 'hi from anthropic' }] }).finalMessage();
  assert.equal(msg.role, 'assistant');
  await anthropic.messages.countTokens({ model: 'shared-model', messages: [{ role: 'user', content: 'count me' }] });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('OTLP export of model calls', () => {
  test('one span per call with the GenAI attributes, matching the spend log', async () => {
    const receiver = await startOtlpReceiver();
    const proxy = await startTestProxy(YAML, {}, { otlp: { endpoint: receiver.url, scheduledDelayMs: 50 } });
    try {
      await makeCalls(proxy, 'cell-otlp');
      await proxy.close();
      const spend = await proxy.spend();
      assert.equal(spend.length, 5, 'four model calls and one count_tokens');
      assert.equal(receiver.spans.length, spend.length, 'one span per spend line');
      assert.ok(receiver.contentTypes.every((c) => c.startsWith('application/json')), `OTLP/HTTP JSON, got ${receiver.contentTypes.join(',')}`);
      const byId = new Map(spend.map((r) => [r.id, r]));
      for (const span of receiver.spans) {
        const a = span.attributes;
        assert.equal(a['gen_ai.operation.name'], 'chat');
        assert.equal(a['gen_ai.provider.name'], 'agentab.sim');
        assert.equal(a['gen_ai.request.model'], 'shared-model');
        assert.equal(a['gen_ai.response.model'], 'sim-default');
        assert.equal(a['agentab.cell'], 'cell-otlp');
        assert.equal(a['agentab.run'], 'run-test');
        assert.equal(span.name, 'chat shared-model');
        assert.equal(span.kind, 3, 'SPAN_KIND_CLIENT');
        assert.equal(span.resource['service.name'], 'agentab-proxy');
        const rec = byId.get(String(a['agentab.request.id']));
        assert.ok(rec, `the span's spend line: ${JSON.stringify(a)}`);
        byId.delete(rec.id);
        assert.equal(a['gen_ai.usage.input_tokens'], rec.usage.input);
        assert.equal(a['gen_ai.usage.output_tokens'], rec.usage.output);
        assert.equal(a['gen_ai.usage.cache_read.input_tokens'], rec.usage.cacheRead);
        assert.equal(a['gen_ai.usage.cache_creation.input_tokens'], rec.usage.cacheWrite);
        assert.ok(!JSON.stringify(a).includes(KEY), 'no key in the attributes');
        const durNs = span.endNs - span.startNs;
        assert.ok(Math.abs(Number(durNs) / 1e6 - rec.durationMs) < 1, `span duration ${Number(durNs) / 1e6} ms vs spend ${rec.durationMs} ms`);
        assert.equal(span.startNs / 1_000_000n, BigInt(Date.parse(rec.ts)));
        if (rec.stream && rec.endpoint !== 'count_tokens') {
          assert.equal(a['gen_ai.response.time_to_first_chunk'], (rec.ttftMs ?? NaN) / 1000);
          assert.ok(span.events.some((e) => e.name === 'gen_ai.first_chunk'));
        }
        for (const phase of PROXY_PHASES) assert.equal(typeof a[`agentab.proxy.${phase}_ms`], 'number', `phase ${phase}`);
      }
      const streamed = receiver.spans.filter((s) => s.attributes['gen_ai.response.time_to_first_chunk'] !== undefined);
      assert.equal(streamed.length, 3, 'three streamed calls carry time to first chunk');
    } finally {
      await proxy.close();
      await receiver.close();
    }
  });

  for (const mode of ['down', 'error', 'hang'] as const) {
    test(`a receiver that is ${mode} does not affect requests`, async () => {
      const receiver = mode === 'down' ? undefined : await startOtlpReceiver(mode);
      const endpoint = receiver?.url ?? `http://127.0.0.1:${await closedPort()}`;
      const proxy = await startTestProxy(YAML, {}, { otlp: { endpoint, scheduledDelayMs: 10, exportTimeoutMs: 300, maxQueueSize: 4, maxBatchSize: 2 } });
      try {
        // more calls than the queue holds: the surplus is dropped, never waited for
        for (let i = 0; i < 3; i++) await makeCalls(proxy, `cell-${mode}`);
        const spend = await proxy.spend();
        assert.equal(spend.length, 15);
        assert.ok(spend.every((r) => r.status === 200), 'every call answered 200');
        await proxy.close(); // bounded, even when the receiver never answers
        if (receiver) assert.ok(receiver.requests > 0, 'exports were attempted');
        assert.equal(receiver?.spans.length ?? 0, 0);
      } finally {
        await proxy.close();
        await receiver?.close();
      }
    });
  }

  test('tracesUrl follows OTEL_EXPORTER_OTLP_ENDPOINT rules and refuses what is not a URL', () => {
    assert.equal(tracesUrl('http://127.0.0.1:4318'), 'http://127.0.0.1:4318/v1/traces');
    assert.equal(tracesUrl('http://collector:4318/base/'), 'http://collector:4318/base/v1/traces');
    assert.equal(tracesUrl('https://x.example/v1/traces'), 'https://x.example/v1/traces');
    assert.throws(() => tracesUrl('collector:4318'), /expected an http\(s\) URL/);
    assert.throws(() => tracesUrl('not a url'), /not a URL/);
  });
});

describe('proxy phases in the spend line', () => {
  test('every call has its six phases, adding up to its duration; off when disabled', async () => {
    const proxy = await startTestProxy(YAML);
    const off = await startTestProxy(YAML, {}, { phaseTiming: false });
    try {
      await makeCalls(proxy, 'cell-phases');
      await makeCalls(off, 'cell-phases-off');
      for (const r of await proxy.spend()) {
        assert.ok(r.phases, `phases on ${r.endpoint}`);
        const sum = PROXY_PHASES.reduce((s, p) => s + r.phases![p], 0);
        assert.ok(Math.abs(sum - r.durationMs) < 0.01, `phases sum ${sum} vs duration ${r.durationMs}`);
        if (r.endpoint !== 'count_tokens' && r.stream) {
          // the simulator waits ttft_ms before its first token: that wait is the firstByte phase
          assert.ok(r.phases.firstByte > 0, `firstByte ${r.phases.firstByte}`);
          assert.ok(r.phases.stream >= 0);
        }
      }
      assert.ok((await off.spend()).every((r) => r.phases === undefined));
    } finally {
      await proxy.close();
      await off.close();
    }
  });
});
