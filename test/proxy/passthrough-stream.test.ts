/**
 * The pass-through stream's hot path (pipeline.ts passRawStream, upstream/http.ts BodyPump):
 * upstream chunks are pushed to the client from the socket's events, with no promise per
 * chunk. These tests send a stream the hard way — frames split across many TCP writes with
 * pauses, a body far larger than the socket buffers read by a client that stops reading for a
 * while, a client that leaves mid-stream — and check that the client gets the upstream's own
 * bytes in order, that usage stays exact, and that an abort is still recorded. No timing is
 * asserted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listenLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const frame = (json: unknown): string => `data: ${JSON.stringify(json)}\n\n`;
const chunk = (delta: unknown, finish: string | null = null) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'up-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
  usage: null,
});
const USAGE = { prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801, prompt_tokens_details: { cached_tokens: 1000 } };
const usageFrame = frame({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'up-model', choices: [], usage: USAGE });

/** `deltas` text frames (unicode included, so multi-byte characters straddle the splits), a finish, the usage chunk, [DONE]. */
function streamText(deltas: number): { body: string; withoutUsage: string } {
  let frames = frame(chunk({ role: 'assistant', content: '' }));
  for (let i = 0; i < deltas; i++) frames += frame(chunk({ content: `tok ${i} é✓😀 ` }));
  frames += frame(chunk({}, 'stop'));
  return { body: frames + usageFrame + 'data: [DONE]\n\n', withoutUsage: frames + 'data: [DONE]\n\n' };
}

interface Script {
  /** The stream the upstream sends. */
  body: string;
  /** Bytes per write, and a pause after every `pauseEvery` writes. */
  writeBytes: number;
  pauseEvery: number;
  /** Stop after this many bytes and wait for the client to go (the upstream's request is then closed early). */
  hangAfter?: number;
}

describe('pass-through streams, chunk by chunk', () => {
  let upstream: LoopbackServer;
  let proxy: TestProxy;
  let script: Script;
  const upstreamClosedEarly: boolean[] = [];

  before(async () => {
    upstream = await listenLoopback(
      createServer((req, res) => {
        req.resume();
        req.on('end', async () => {
          const index = upstreamClosedEarly.push(false) - 1;
          res.on('close', () => {
            if (!res.writableFinished) upstreamClosedEarly[index] = true;
          });
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const bytes = Buffer.from(script.body);
          const end = script.hangAfter ?? bytes.length;
          let writes = 0;
          for (let at = 0; at < end && !res.destroyed; at += script.writeBytes) {
            res.write(bytes.subarray(at, Math.min(end, at + script.writeBytes)));
            if (++writes % script.pauseEvery === 0) await sleep(2);
          }
          if (script.hangAfter === undefined) res.end();
        });
      }),
    );
    proxy = await startTestProxy(`model_list:
  - model_name: gpt
    litellm_params: {model: openai/up-model, api_base: "${upstream.url}", api_key: sk-up}
`);
  });

  after(async () => {
    await proxy.close(0);
    await upstream.close();
  });

  /** Posts a stream request; `readSlowly` stops reading for a while once the first bytes came. */
  function post(includeUsage: boolean, o: { readSlowly?: boolean; leaveAfterBytes?: number } = {}): Promise<{ status: number; body: Buffer }> {
    const payload = JSON.stringify({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'x' }], ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });
    return new Promise((resolve, reject) => {
      const req = request(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer any' } }, (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        let size = 0;
        let paused = false;
        res.on('data', (c: Buffer) => {
          parts.push(c);
          size += c.length;
          if (o.leaveAfterBytes !== undefined && size >= o.leaveAfterBytes) {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) });
          }
          if (o.readSlowly && !paused) {
            // Stop reading long enough for the proxy's socket buffer to fill (its writes return false).
            paused = true;
            res.pause();
            setTimeout(() => res.resume(), 300);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', reject);
      });
      req.on('error', (e) => (o.leaveAfterBytes !== undefined ? undefined : reject(e)));
      req.end(payload);
    });
  }

  async function lastSpend() {
    const all = await proxy.spend();
    return all[all.length - 1]!;
  }

  test('frames split across many small writes reach the client as the upstream sent them, in order; usage is exact', async () => {
    const { body, withoutUsage } = streamText(200);
    script = { body, writeBytes: 7, pauseEvery: 40 };
    const asked = await post(true);
    assert.equal(asked.status, 200);
    assert.equal(asked.body.toString('utf8'), body, 'with include_usage: the upstream bytes unchanged');
    const spend1 = await lastSpend();
    assert.deepEqual([spend1.usage.input, spend1.usage.output, spend1.usage.cacheRead], [1234, 567, 1000]);
    assert.equal(spend1.finish, 'stop');
    assert.equal(spend1.error, null);

    const hidden = await post(false);
    assert.equal(hidden.body.toString('utf8'), withoutUsage, 'without include_usage: only the usage chunk is left out');
    const spend2 = await lastSpend();
    assert.deepEqual([spend2.usage.input, spend2.usage.output, spend2.usage.cacheRead], [1234, 567, 1000]);
    assert.equal(spend2.resBytes, Buffer.byteLength(withoutUsage));
  });

  test('a client that stops reading: the upstream is paused and resumed, every byte arrives in order, usage exact', async () => {
    // ≈ 6 MB: far more than the loopback socket buffers hold while the client does not read.
    const { body } = streamText(40_000);
    script = { body, writeBytes: 64 * 1024, pauseEvery: 1_000_000 };
    const got = await post(true, { readSlowly: true });
    assert.equal(got.body.length, Buffer.byteLength(body));
    assert.ok(got.body.equals(Buffer.from(body)), 'the bytes arrived unchanged and in order');
    const spend = await lastSpend();
    assert.deepEqual([spend.usage.input, spend.usage.output], [1234, 567]);
    assert.equal(spend.error, null);
    assert.equal(spend.resBytes, Buffer.byteLength(body));
  });

  test('a client that leaves mid-stream: the upstream request is closed and the call is recorded as client_closed after its 200', async () => {
    const { body } = streamText(50);
    script = { body, writeBytes: 100, pauseEvery: 5, hangAfter: 1500 };
    const n = upstreamClosedEarly.length;
    const got = await post(false, { leaveAfterBytes: 500 });
    assert.equal(got.status, 200);
    // The proxy closes its upstream request when the client goes (no timing: wait until it did).
    while (upstreamClosedEarly[n] !== true) await sleep(10);
    let spend = await lastSpend();
    while (spend.error === null || spend.id === undefined) {
      await sleep(10);
      spend = await lastSpend();
    }
    assert.equal(spend.status, 200);
    assert.equal(spend.error?.code, 'client_closed');
    assert.equal(spend.finish, 'error');
  });
});
