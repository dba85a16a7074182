import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectStream, type StreamPart } from '../../src/canonical/form.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { sleep as realSleep } from '../../src/util/sleep.ts';
import { simulate, simulateResponse } from '../../src/sim/model.ts';
import { createSimState } from '../../src/sim/plan.ts';
import type { SimAction } from '../../src/sim/script.ts';
import { countRequestTokens, countTextTokens } from '../../src/canonical/tokens.ts';
import { claudeCodeTools, continueWith, fakeSleep, longSystem, openCodeTools, opts, readAll, request } from './fixtures.ts';

const script: SimAction[] = [
  { action: 'write', path: 'a.txt', content: 'hello from the simulator\n' },
  { action: 'bash', command: 'cat a.txt' },
  { action: 'say', text: 'done' },
];

/** Every block opens before its deltas and closes after them; message-start first, finish last. */
function assertWellFormed(parts: StreamPart[]): void {
  assert.equal(parts[0]?.type, 'message-start');
  assert.equal(parts.at(-1)?.type, 'finish');
  const open = new Set<number>();
  const closed = new Set<number>();
  for (const p of parts.slice(1, -1)) {
    if (p.type === 'text-start' || p.type === 'tool-call-start') {
      assert.ok(!open.has(p.index) && !closed.has(p.index));
      open.add(p.index);
    } else if (p.type === 'text-delta' || p.type === 'tool-call-delta') {
      assert.ok(open.has(p.index), `delta for block ${p.index} outside its start/end`);
    } else if (p.type === 'block-end') {
      assert.ok(open.delete(p.index));
      closed.add(p.index);
    } else assert.fail(`unexpected part ${p.type} mid-stream`);
  }
  assert.equal(open.size, 0);
}

describe('simulated model', () => {
  test('walks a Claude-Code-shaped conversation step by step', async () => {
    const state = createSimState();
    const deps = { sleep: fakeSleep(), state };
    let req = request({ tools: claudeCodeTools, system: [{ type: 'text', text: longSystem }] });

    const r0 = await simulateResponse(req, opts(), script, deps);
    assert.equal(r0.finish, 'tool_use');
    const call0 = r0.content.find((c) => c.type === 'tool-call');
    assert.ok(call0?.type === 'tool-call');
    assert.equal(call0.name, 'Write');
    assert.deepEqual(call0.args, { file_path: '/tmp/ws/a.txt', content: 'hello from the simulator\n' });
    assert.match(call0.id, /^toolu_sim_[0-9a-f]+_0$/);
    assert.equal(r0.content[0]?.type, 'text'); // a short sentence before the call

    req = continueWith(req, r0, 'anthropic');
    const r1 = await simulateResponse(req, opts(), script, deps);
    const call1 = r1.content.find((c) => c.type === 'tool-call');
    assert.ok(call1?.type === 'tool-call');
    assert.equal(call1.name, 'Bash');
    assert.equal((call1.args as Record<string, unknown>)['command'], 'cat a.txt');
    assert.notEqual(call1.id, call0.id);

    req = continueWith(req, r1, 'anthropic', 'hello from the simulator\n');
    const r2 = await simulateResponse(req, opts(), script, deps);
    assert.equal(r2.finish, 'stop');
    assert.deepEqual(r2.content, [{ type: 'text', text: 'done' }]);
    assert.match(r2.id, /^msg_sim_[0-9a-f]{16}$/);
  });

  test('walks an OpenCode-shaped conversation with its lower-case tools', async () => {
    const deps = { sleep: fakeSleep(), state: createSimState() };
    let req = request({ tools: openCodeTools, sourceDialect: 'openai' });
    const r0 = await simulateResponse(req, opts(), script, deps);
    const call0 = r0.content.find((c) => c.type === 'tool-call');
    assert.ok(call0?.type === 'tool-call');
    assert.equal(call0.name, 'write');
    assert.deepEqual(call0.args, { filePath: '/tmp/ws/a.txt', content: 'hello from the simulator\n' });

    req = continueWith(req, r0, 'openai');
    const r1 = await simulateResponse(req, opts(), script, deps);
    const call1 = r1.content.find((c) => c.type === 'tool-call');
    assert.ok(call1?.type === 'tool-call');
    assert.equal(call1.name, 'bash');
    const args = call1.args as Record<string, unknown>;
    assert.equal(args['command'], 'cat a.txt');
    assert.ok(typeof args['description'] === 'string' && args['description'].length > 0);

    req = continueWith(req, r1, 'openai', 'oops', true);
    const r2 = await simulateResponse(req, opts(), script, deps);
    assert.equal(r2.finish, 'stop');
    assert.deepEqual(r2.content, [{ type: 'text', text: 'done' }]);
  });

  test('a tool-less side call gets plain text', async () => {
    const res = await simulateResponse(request(), opts(), script, { sleep: fakeSleep() });
    assert.equal(res.finish, 'stop');
    assert.ok(res.content.every((c) => c.type === 'text'));
    assert.ok(res.content.length === 1);
  });

  test('stream is well formed; tool arguments arrive in several deltas and reassemble', async () => {
    const req = request({ tools: claudeCodeTools });
    const parts = await readAll(simulate(req, opts(), script, { sleep: fakeSleep() }));
    assertWellFormed(parts);
    const deltas = parts.filter((p) => p.type === 'tool-call-delta');
    assert.ok(deltas.length >= 2, `expected ≥2 argument deltas, got ${deltas.length}`);
    const res = await collectStream(simulate(req, opts(), script, { sleep: fakeSleep() }));
    const call = res.content.find((c) => c.type === 'tool-call');
    assert.ok(call?.type === 'tool-call');
    assert.deepEqual(call.args, { file_path: '/tmp/ws/a.txt', content: 'hello from the simulator\n' });
  });

  test('usage: input is the counted prompt, output everything emitted', async () => {
    const req = request({ tools: claudeCodeTools });
    const parts = await readAll(simulate(req, opts(), script, { sleep: fakeSleep() }));
    const start = parts[0];
    const finish = parts.at(-1);
    assert.ok(start?.type === 'message-start' && finish?.type === 'finish');
    assert.equal(start.usage?.input, countRequestTokens(req));
    assert.equal(finish.usage.input, countRequestTokens(req));
    let emitted = 0;
    for (const p of parts) {
      if (p.type === 'text-delta') emitted += countTextTokens(p.text);
      if (p.type === 'tool-call-start') emitted += countTextTokens(p.name);
    }
    const argsJson = parts.map((p) => (p.type === 'tool-call-delta' ? p.argsJson : '')).join('');
    emitted += countTextTokens(argsJson);
    // Chunks split at token boundaries, so per-chunk counts add up to the whole (±1 per seam).
    assert.ok(Math.abs(finish.usage.output - emitted) <= 3, `${finish.usage.output} vs ${emitted}`);
    assert.equal(finish.usage.reasoning, 0);
  });

  test('prompt caching: first sight writes the marked prefix, a repeat within 5 minutes reads it', async () => {
    let clock = 0;
    const state = createSimState(() => clock);
    const deps = { sleep: fakeSleep(), state };
    const req = request({ tools: claudeCodeTools, system: [{ type: 'text', text: longSystem, cacheControl: { ttl: '5m' } }] });
    const first = await simulateResponse(req, opts(), script, deps);
    assert.ok(first.usage.cacheWrite > 1_000 && first.usage.cacheRead === 0);
    clock += 60_000;
    const second = await simulateResponse(continueWith(req, first, 'anthropic'), opts(), script, deps);
    assert.equal(second.usage.cacheRead, first.usage.cacheWrite);
    assert.equal(second.usage.cacheWrite, 0);
    assert.ok(second.usage.cacheRead < second.usage.input);
    clock += 6 * 60_000;
    const third = await simulateResponse(req, opts(), script, deps);
    assert.equal(third.usage.cacheRead, 0);
    assert.equal(third.usage.cacheWrite, first.usage.cacheWrite);
    // Short prefixes are never cached.
    const small = await simulateResponse(request(), opts(), script, deps);
    assert.equal(small.usage.cacheWrite + small.usage.cacheRead, 0);
  });

  test('deterministic: same seed and request give identical parts and timings', async () => {
    const req = request({ tools: claudeCodeTools });
    const s1 = fakeSleep();
    const s2 = fakeSleep();
    const a = await readAll(simulate(req, opts(), undefined, { sleep: s1 }));
    const b = await readAll(simulate(req, opts(), undefined, { sleep: s2 }));
    assert.deepEqual(a, b);
    assert.deepEqual(s1.calls, s2.calls);
    assert.ok(s1.calls.length > 3);

    const s3 = fakeSleep();
    await readAll(simulate(req, opts({ seed: 8 }), undefined, { sleep: s3 }));
    assert.notDeepEqual(s3.calls, s1.calls);
  });

  test('the first wait grows with the prompt and includes a stall', async () => {
    const first = async (o: ReturnType<typeof opts>, system: string) => {
      const s = fakeSleep();
      await readAll(simulate(request({ system: [{ type: 'text', text: system }] }), o, undefined, { sleep: s }));
      return s.calls[0] ?? 0;
    };
    const noJitter = opts({ jitter: 0 });
    const small = await first(noJitter, 'short');
    const large = await first(noJitter, longSystem);
    assert.ok(large > small + 10, `${large} > ${small}`);
    const stalled = await first(opts({ jitter: 0, stallRate: 1, stallMs: 20_000 }), 'short');
    assert.equal(stalled, small + 20_000);
  });

  test('errorRate 1 throws a retryable 500 before any output', () => {
    assert.throws(
      () => simulate(request(), opts({ errorRate: 1 }), undefined, { sleep: fakeSleep() }),
      (e) => e instanceof ProxyError && e.kind === 'api_error' && e.status === 500 && e.retryable,
    );
  });

  test('rateLimitRate 1 throws a retryable 429 with retry-after', async () => {
    await assert.rejects(
      simulateResponse(request(), opts({ rateLimitRate: 1 }), undefined, { sleep: fakeSleep() }),
      (e) => e instanceof ProxyError && e.kind === 'rate_limit' && e.status === 429 && e.retryable && e.retryAfterMs === 1_000,
    );
  });

  test('a retried identical request draws its faults anew', async () => {
    const deps = { sleep: fakeSleep(), state: createSimState() };
    const o = opts({ errorRate: 0.5 });
    let failures = 0;
    let successes = 0;
    for (let i = 0; i < 20; i++) {
      try {
        await simulateResponse(request(), o, undefined, deps);
        successes++;
      } catch (e) {
        assert.ok(e instanceof ProxyError && e.code === 'sim_api_error');
        failures++;
      }
    }
    assert.ok(successes > 0 && failures > 0, `${successes} successes, ${failures} failures`);
  });

  test('maxTokens truncates a text answer and finishes with length', async () => {
    const res = await simulateResponse(request({ maxTokens: 5 }), opts({ answerTokens: 100 }), undefined, { sleep: fakeSleep() });
    assert.equal(res.finish, 'length');
    assert.equal(res.usage.output, 5);
  });

  test('an abort stops a long stream promptly with an error part', async () => {
    const ac = new AbortController();
    // 10,000 tokens at 5 tokens/s would take over half an hour of real sleeping.
    const o = opts({ ttftMs: 0, ttftMsPer1kTokens: 0, jitter: 0, tokensPerSecond: 5, answerTokens: 10_000 });
    let ended = 0;
    const stream = simulate(request(), o, undefined, { sleep: realSleep, signal: ac.signal, onEnd: () => ended++ });
    const reader = stream.getReader();
    const seen: StreamPart[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      seen.push(r.value);
      if (r.value.type === 'text-delta') ac.abort();
    }
    const last = seen.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.kind, 'client_closed');
    assert.ok(!seen.some((p) => p.type === 'finish'));
    assert.equal(ended, 1);
  });

  test('cancelling the stream stops it and reports the end once', async () => {
    let ended = 0;
    const o = opts({ ttftMs: 60_000, jitter: 0 });
    const stream = simulate(request(), o, undefined, { sleep: realSleep, onEnd: () => ended++ });
    const reader = stream.getReader();
    const pending = reader.read();
    await reader.cancel('bye');
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal(ended, 1);
  });

  test('an already aborted signal throws at once', () => {
    const reason = new ProxyError('ttft timeout', { code: 'ttft_timeout', kind: 'timeout' });
    assert.throws(
      () => simulate(request(), opts(), undefined, { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
  });
});
