/**
 * Connection and body limits of a real proxy, probed with raw sockets: idle connections are
 * closed after the header timeout, a trickled body gets a 408 in the caller's API shape, the
 * connection cap closes extra connections, and none of it cuts a request that is legitimately
 * waiting on a slow upstream. Real clocks, small limits.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test, before, after } from 'node:test';
import OpenAI from 'openai';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const YAML = `model_list:
  - model_name: slow
    litellm_params: {model: sim/slow, sim: {ttft_ms: 1500, jitter: 0}}
general_settings:
  request_header_timeout_ms: 400
  request_body_timeout_ms: 700
  idle_timeout_ms: 800
  max_connections: 8
`;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves with what the server sent before closing the socket, and when it closed (ms after `t0`). */
function closed(s: Socket, t0: number): Promise<{ data: string; afterMs: number }> {
  let data = '';
  s.on('data', (b: Buffer) => (data += b.toString()));
  return new Promise((resolve) => {
    s.on('error', () => {});
    s.on('close', () => resolve({ data, afterMs: Date.now() - t0 }));
  });
}

describe('connection limits', { timeout: 120_000 }, () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy(YAML);
  });
  after(async () => {
    await proxy.close(0);
  });

  test('connections that never send a request are closed after the header timeout', async () => {
    const t0 = Date.now();
    const sockets = await Promise.all(Array.from({ length: 6 }, () => open(proxy.port)));
    const results = await Promise.all(sockets.map((s) => closed(s, t0)));
    for (const r of results) {
      // Two timers of Node's server race here, both closing after the header timeout: the socket
      // timeout closes silently, the periodic headers-timeout check answers 408 first (seen under load)
      assert.ok(r.data === '' || r.data.startsWith('HTTP/1.1 408 '), `unexpected bytes before close: ${JSON.stringify(r.data)}`);
      assert.ok(r.afterMs >= 300, `closed too early: ${r.afterMs} ms`);
    }
  });

  test('a body trickled byte by byte gets 408 in the caller\'s shape and the connection closes', async () => {
    const s = await open(proxy.port);
    const done = closed(s, Date.now());
    const body = JSON.stringify({ model: 'slow', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    s.write(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let i = 0; i < body.length && !s.destroyed; i++) {
      s.write(body[i]!);
      await sleep(100);
      if (s.readableEnded) break;
    }
    const { data } = await done;
    assert.match(data, /^HTTP\/1\.1 408 /);
    assert.match(data, /connection: close/i);
    const json = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)) as { type: string; error: { type: string; message: string } };
    assert.equal(json.type, 'error');
    assert.match(json.error.message, /did not arrive within 700 ms/);
    const recs = await proxy.spend();
    const rec = recs.find((r) => r.error?.code === 'request_body_timeout');
    assert.equal(rec?.status, 408);
  });

  test('beyond max_connections, new connections are closed at once; the open ones still work', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => open(proxy.port)));
    const extra = await open(proxy.port);
    const r = await closed(extra, Date.now());
    assert.equal(r.data, '');
    assert.ok(r.afterMs < 300, `the extra connection was held ${r.afterMs} ms`);
    held[0]!.write('GET /health/liveliness HTTP/1.1\r\nHost: x\r\n\r\n');
    const reply = await new Promise<string>((resolve) => held[0]!.once('data', (b: Buffer) => resolve(b.toString())));
    assert.match(reply, /^HTTP\/1\.1 200 /);
    for (const s of held) s.destroy();
    await sleep(100);
  });

  test('a request waiting longer than every timeout on a slow upstream is not cut (SDK)', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'any', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(res.choices[0]!.message.content);
    const stream = await client.chat.completions.create({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.ok(text.length > 0);
  });
});
