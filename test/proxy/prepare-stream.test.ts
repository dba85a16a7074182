/**
 * A translated Anthropic stream's prompt count is taken while the upstream answers
 * (Surface.prepareStream, called by the pipeline once the upstream request is on its way), not
 * after its first part arrived. Shown through what message_start carries: the upstream here counts
 * the prompt's new text itself before it answers, so a count taken at the first part would be the
 * tokenizer's exact one, and a count taken during the wait is the estimate of a text not counted yet.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { countRequestTokens, countTextTokens, promptTokensWithoutWaiting } from '../../src/canonical/tokens.ts';
import { decodeAnthropicRequest } from '../../src/proxy/protocols/anthropic-messages/decode-request.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const NEW_TEXT = `A file the session has not shown before: ${'zq7 '.repeat(60)}end.`;
let counting = '';
let upstream: Server;
let proxy: TestProxy;

const chunk = (delta: unknown, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'up-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

before(async () => {
  countTextTokens('the tokenizer is loaded before the test starts');
  // An OpenAI-compatible upstream that tokenises the prompt's new text before it answers.
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (counting) countTextTokens(counting);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'Read it.' }));
      res.write(chunk({}, 'stop'));
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'up-model', choices: [], usage: { prompt_tokens: 90, completion_tokens: 3, total_tokens: 93 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  proxy = await startTestProxy(`
model_list:
  - model_name: via-openai
    litellm_params: { model: openai/up-model, api_base: "http://127.0.0.1:${port}/v1", api_key: sk-up }
`);
});

after(async () => {
  await proxy?.close(0);
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

test('message_start carries the count taken while the upstream answered', async () => {
  const params = { model: 'via-openai', max_tokens: 64, messages: [{ role: 'user' as const, content: NEW_TEXT }] };
  const decoded = decodeAnthropicRequest(params);
  // What the proxy computes before the upstream counted the new text: an estimate.
  const estimate = promptTokensWithoutWaiting(decoded);
  assert.deepEqual(estimate.uncounted, [NEW_TEXT], 'the new text is not counted before the call');
  counting = NEW_TEXT;
  const client = new Anthropic({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
  let inputTokens: number | undefined;
  for await (const event of await client.messages.create({ ...params, stream: true })) {
    if (event.type === 'message_start') inputTokens = event.message.usage.input_tokens;
  }
  const exact = countRequestTokens(decoded);
  assert.notEqual(estimate.tokens, exact, 'this prompt must tell an estimate from an exact count');
  assert.equal(inputTokens, estimate.tokens, `message_start had ${inputTokens}: the exact count is ${exact}, the estimate taken during the wait ${estimate.tokens}`);
  const spend = await proxy.spend();
  assert.equal(spend.at(-1)?.usage.input, 90, 'the spend record keeps the upstream’s own count');
  assert.equal(spend.at(-1)?.error, null);
});
