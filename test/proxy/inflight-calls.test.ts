/**
 * The server's list of calls in flight (server.ts InflightCalls) is an array from which a
 * finished call is removed by moving the last one into its slot. Calls that finish out of order
 * must leave exactly the unfinished ones behind: a cut at shutdown records each of those once
 * with a `shutdown` error, and none of the calls that had already been answered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { BackendAdapter } from '../../src/proxy/backends/types.ts';
import type { CanonicalRequest, CanonicalResponse } from '../../src/canonical/form.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { startTestProxy } from '../helpers/proxy.ts';

const CALLS = 7;
/** Answered before the cut: the first, some in the middle and the last one added. */
const ANSWERED = new Set([0, 2, 3, 6]);

const CONFIG = `model_list:
  - model_name: held
    litellm_params: { model: openai/held-model, api_base: "http://127.0.0.1:9/v1" }
`;

function answer(text: string): CanonicalResponse {
  return {
    id: `r-${text}`,
    model: 'held-model',
    content: [{ type: 'text', text }],
    finish: 'stop',
    usage: { input: 3, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
  };
}

/** The `call-N` a request carries in its only user message. */
function callNumber(req: CanonicalRequest): number {
  const text = JSON.stringify(req.messages);
  const m = /call-(\d+)/.exec(text);
  if (!m) throw new Error(`no call number in ${text}`);
  return Number(m[1]);
}

test('calls that finish out of order leave exactly the unfinished ones to be cut at shutdown', async () => {
  const release = new Map<number, () => void>();
  let entered = 0;
  let allEntered!: () => void;
  const everyCallEntered = new Promise<void>((resolve) => (allEntered = resolve));
  // A backend whose calls end only when the test releases them, one by one.
  const held = {
    kind: 'openai',
    async generate(req: CanonicalRequest) {
      const n = callNumber(req);
      const released = new Promise<void>((resolve) => release.set(n, resolve));
      if (++entered === CALLS) allEntered();
      await released;
      return answer(`answer-${n}`);
    },
    stream() {
      return Promise.reject(new Error('not used'));
    },
  } as unknown as BackendAdapter;
  const proxy = await startTestProxy(CONFIG, {}, { backends: { overrides: { openai: held } } });
  const records: SpendRecord[] = [];
  proxy.onSpend((rec) => records.push(rec));
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'any', maxRetries: 0, timeout: 60_000 });

  // One at a time, so that call N is the N-th added to the list.
  const replies: Promise<unknown>[] = [];
  for (let n = 0; n < CALLS; n++) {
    const before = entered;
    replies.push(client.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: `call-${n}` }] }).catch((e: unknown) => e));
    while (entered === before) await new Promise((resolve) => setImmediate(resolve));
  }
  await everyCallEntered;

  for (const n of ANSWERED) release.get(n)!();
  const answered = await Promise.all([...ANSWERED].map((n) => replies[n]));
  answered.forEach((reply, i) => {
    const text = (reply as OpenAI.ChatCompletion).choices?.[0]?.message.content;
    assert.equal(text, `answer-${[...ANSWERED][i]}`, `call ${[...ANSWERED][i]} was answered`);
  });
  // The answered calls' handlers have ended (their spend lines are the proof).
  const deadline = Date.now() + 10_000;
  while (records.length < ANSWERED.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(records.length, ANSWERED.size, 'one spend line per answered call');

  proxy.stopNow();
  const cut = records.slice(ANSWERED.size);
  assert.equal(cut.length, CALLS - ANSWERED.size, `the calls still in flight were cut: ${JSON.stringify(cut.map((r) => r.status))}`);
  for (const rec of cut) {
    assert.equal(rec.error?.code, 'shutdown');
    assert.equal(rec.status, 503);
  }
  for (const rec of records.slice(0, ANSWERED.size)) assert.equal(rec.status, 200);
  // The cut calls' ids are distinct: none was recorded twice, and none of the answered ones.
  assert.equal(new Set(records.map((r) => r.id)).size, CALLS);

  // Their backends answering afterwards adds nothing: each call has one spend line.
  for (let n = 0; n < CALLS; n++) if (!ANSWERED.has(n)) release.get(n)!();
  await Promise.all(replies);
  await proxy.close(1_000);
  assert.equal(records.length, CALLS);
  const onDisk = await proxy.spend();
  assert.equal(onDisk.length, CALLS);
  assert.deepEqual(new Set(onDisk.map((r) => r.id)), new Set(records.map((r) => r.id)));
});
