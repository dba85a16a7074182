/**
 * A proxy with a simulator deployment loads the tokenizer as soon as it listens, before any
 * request (the simulator counts tokens on every call), and a proxy without one does not
 * (tokenizer-load.test.ts). Its own file: each test file runs in a process of its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tokenizerLoaded } from '../../src/canonical/tokens.ts';
import { startTestProxy } from '../helpers/proxy.ts';

test('a proxy with a simulator deployment loads the tokenizer right after it starts listening', async () => {
  assert.equal(tokenizerLoaded(), false, 'nothing in this process loaded it before the proxy');
  const proxy = await startTestProxy(`
model_list:
  - model_name: shared-model
    litellm_params: { model: sim/sim-model }
`);
  try {
    const deadline = Date.now() + 10_000;
    while (!tokenizerLoaded() && Date.now() < deadline) await sleep(10);
    assert.equal(tokenizerLoaded(), true, 'the simulator proxy did not preload the tokenizer');
    assert.deepEqual(await proxy.spend(), [], 'no request was made');
  } finally {
    await proxy.close(0);
  }
});
