/**
 * What the spend record's `overheadMs` holds: the proxy's own time only. The client's upload
 * of its body is `clientWaitMs`, the waits on the upstream (its head and every chunk) are
 * `upstreamMs`, and the proxy's work between upstream chunks is its own. Real sockets and
 * real clocks for the proxy; the timer test drives a fake clock that moves only while the
 * consumer "works", so it needs no timing at all.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { UpstreamTimer } from '../../src/proxy/backends/types.ts';
import { postJson } from '../../src/proxy/upstream/http.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { callOptions, deployment } from '../backends/helpers/call-options.ts';
import { startTestProxy } from '../helpers/proxy.ts';

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

/** An upstream that answers JSON at once, or streams three chunks with a pause between them. */
async function startUpstream(pauseMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    for await (const _ of req) void _;
    if (req.url === '/chunks') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const c of ['one ', 'two ', 'three']) {
        res.write(c);
        await sleep(pauseMs);
      }
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('overhead accounting', { timeout: 120_000 }, () => {
  let up: { url: string; server: Server };
  before(async () => {
    up = await startUpstream(50);
  });
  after(() => {
    up.server.closeAllConnections();
    up.server.close();
  });

  test('a body uploaded slowly: the wait for its last byte is clientWaitMs, not overheadMs', async () => {
    const proxy = await startTestProxy(`model_list:
  - model_name: up
    litellm_params: {model: openai/gpt-4o, api_base: "${up.url}", api_key: sk-up}
`);
    try {
      const body = Buffer.from(JSON.stringify({ model: 'up', messages: [{ role: 'user', content: 'hi '.repeat(1000) }] }));
      // A raw socket, so the headers and the first bytes surely go out before the rest.
      const port = Number(new URL(proxy.url).port);
      const status = await new Promise<number>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nauthorization: Bearer any\r\nconnection: close\r\n\r\n`);
          socket.write(body.subarray(0, 100));
          // The rest comes 400 ms later (a real clock): the proxy has nothing to do meanwhile.
          setTimeout(() => socket.write(body.subarray(100)), 400);
        });
        let answer = '';
        socket.on('data', (d) => (answer += d.toString('latin1')));
        socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0)));
        socket.on('error', reject);
      });
      assert.equal(status, 200);
      const [rec] = await proxy.spend();
      // The handler starts when the headers are parsed, which a busy machine may delay: the wait
      // it sees is most of the 400 ms pause, not all of it. What matters is where the pause went.
      assert.ok(rec!.clientWaitMs >= 200, `clientWaitMs ${rec!.clientWaitMs}: ${JSON.stringify(rec)}`);
      assert.ok(rec!.overheadMs < 200, `overheadMs ${rec!.overheadMs} holds the upload: ${JSON.stringify(rec)}`);
      assert.ok(Math.abs(rec!.durationMs - rec!.upstreamMs - rec!.retryWaitMs - rec!.clientWaitMs - rec!.overheadMs) < 0.01);
      assert.equal(rec!.reqBytes, body.length);
    } finally {
      await proxy.close(0);
    }
  });

  test('upstream time is the waits for the head and each chunk; the reader\'s work between chunks is not in it', async () => {
    // A clock that moves only when the consumer works: whatever upstreamMs collects came from
    // time spent between a chunk's arrival and the next read.
    let clock = 0;
    const timer = new UpstreamTimer(() => clock);
    const o = { ...callOptions(deployment({ provider: 'openai', model: 'gpt-4o' })), timer };
    const res = await postJson(`${up.url}/chunks`, { q: 1 }, {}, o, (s) => new ProxyError(`status ${s}`, { code: 'x', kind: 'bad_gateway' }));
    // The pass-through's push reader: the first chunk alone (inside the attempt), then the rest.
    const first = await res.firstChunk();
    clock += 1000;
    let text = Buffer.from(first!).toString('utf8');
    await res.forward((chunk) => {
      text += Buffer.from(chunk).toString('utf8');
      clock += 1000; // the proxy's own work on this chunk
      return undefined;
    }).done;
    assert.equal(text, 'one two three');
    assert.equal(timer.upstreamMs, 0, 'the consumer\'s 1000 per chunk was counted as waiting on the upstream');
    assert.equal(timer.sentAt, 0);
  });

  test('the timer: begin and wait start a wait, end closes it; sentAt is the request\'s', () => {
    let clock = 10;
    const timer = new UpstreamTimer(() => clock);
    timer.begin();
    clock = 15;
    timer.end(); // head: 5
    clock = 100;
    timer.wait();
    clock = 103;
    timer.end(); // chunk: 3
    timer.end(); // nothing open: no effect
    clock = 200;
    timer.wait();
    timer.wait(); // already waiting: keeps the first start
    clock = 201;
    timer.end();
    assert.equal(timer.upstreamMs, 9);
    assert.equal(timer.sentAt, 10);
  });
});
