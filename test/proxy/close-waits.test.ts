/**
 * close() waits for every request handler still running, not only for connections: a handler
 * whose client left may still be waiting on its upstream after the server closed, and its spend
 * line must be written before the spend log closes (server.ts counts handlers in flight).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { BackendAdapter } from '../../src/proxy/backends/types.ts';
import type { CanonicalResponse } from '../../src/canonical/form.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { startTestProxy } from '../helpers/proxy.ts';

const CONFIG = `model_list:
  - model_name: held
    litellm_params: { model: openai/held-model, api_base: "http://127.0.0.1:9/v1" }
`;

const ANSWER: CanonicalResponse = {
  id: 'r1',
  model: 'held-model',
  content: [{ type: 'text', text: 'late' }],
  finish: 'stop',
  usage: { input: 3, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
};

test('close() resolves only after a handler that outlived its connection wrote its spend line', async () => {
  let entered!: () => void;
  const backendEntered = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const upstreamAnswers = new Promise<void>((resolve) => (release = resolve));
  // A backend that ignores the client leaving: its call ends only when the test releases it.
  const held = {
    kind: 'openai',
    async generate() {
      entered();
      await upstreamAnswers;
      return ANSWER;
    },
    stream() {
      return Promise.reject(new Error('not used'));
    },
  } as unknown as BackendAdapter;
  const proxy = await startTestProxy(CONFIG, {}, { backends: { overrides: { openai: held } } });
  const { port } = proxy.server.address() as { port: number };

  const client = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' } });
  client.on('error', () => {}); // destroyed below on purpose
  client.end(JSON.stringify({ model: 'held', messages: [{ role: 'user', content: 'hi' }] }));
  await backendEntered;
  client.destroy();

  let closed = false;
  const closing = proxy.close(30_000).then(() => (closed = true));
  // The connection is gone, so the server itself closes at once; the handler is still waiting.
  await new Promise<void>((resolve) => proxy.server.once('close', () => resolve()));
  await sleep(100);
  assert.equal(closed, false, 'close() resolved while a request handler was still running');

  release();
  await closing;
  const lines = readFileSync(proxy.spendPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SpendRecord);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.alias, 'held');
  assert.equal(lines[0]!.error?.code, 'client_closed');
});
