/**
 * What a pass-through upstream receives, byte for byte: the client's own bytes with only the
 * top-level `model` (and OpenAI's `stream_options`) spliced in, dropped params cut out, and
 * a re-serialised body where the bytes cannot be spliced (invalid UTF-8). A body that went
 * through parse → stringify would lose the big integer's digits, the whitespace and the escapes
 * these bodies carry, so these tests fail if the splice is not on the path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { listenLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const chatAnswer = JSON.stringify({
  id: 'c1',
  object: 'chat.completion',
  created: 0,
  model: 'up-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 },
});
const chatStream =
  'data: {"id":"c1","object":"chat.completion.chunk","created":0,"model":"up-model","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n' +
  'data: {"id":"c1","object":"chat.completion.chunk","created":0,"model":"up-model","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8}}\n\n' +
  'data: [DONE]\n\n';
const messageAnswer = JSON.stringify({
  id: 'm1',
  type: 'message',
  role: 'assistant',
  model: 'claude-up',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 7, output_tokens: 1 },
});

/** A body written the way no JSON.stringify writes it: the upstream must see these bytes. */
const tricky = (model: string, extra = '') =>
  `{ "messages" : [ {"role":"user","content":"say \\"model\\": \\"x\\" \\u00e9 ✓ 😀"}, {"role":"assistant","content":"ok","model":"nested"} ],\n` +
  `  "metadata": {"model": "deep", "n": 12345678901234567890, "f": 1.50e+3}, "mod\\u0065l" : "${model}"${extra} }`;

describe('pass-through request bodies', () => {
  let upstream: LoopbackServer;
  const received: Buffer[] = [];
  let proxy: TestProxy;

  before(async () => {
    upstream = await listenLoopback(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          received.push(body);
          const parsed = JSON.parse(body.toString('utf8')) as { stream?: boolean };
          if (req.url?.endsWith('/messages')) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(messageAnswer);
          } else if (parsed.stream === true) {
            res.writeHead(200, { 'content-type': 'text/event-stream' }).end(chatStream);
          } else res.writeHead(200, { 'content-type': 'application/json' }).end(chatAnswer);
        });
      }),
    );
    proxy = await startTestProxy(`model_list:
  - model_name: gpt
    litellm_params: {model: openai/up-model, api_base: "${upstream.url}", api_key: sk-up}
  - model_name: drops
    litellm_params: {model: openai/up-model, api_base: "${upstream.url}", api_key: sk-up, additional_drop_params: [metadata, temperature]}
  - model_name: claude
    litellm_params: {model: anthropic/claude-up, api_base: "${upstream.url}", api_key: sk-up}
`);
  });
  after(async () => {
    await proxy.close(0);
    await upstream.close();
  });

  const post = async (path: string, body: string | Uint8Array) => {
    const res = await fetch(proxy.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body as BodyInit });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return received.at(-1)!.toString('utf8');
  };

  test('OpenAI JSON: the client bytes with the upstream model spliced into every top-level "model" (escaped key included)', async () => {
    const sent = await post('/v1/chat/completions', tricky('gpt', ', "model":"gpt"'));
    assert.equal(sent, tricky('up-model', ', "model":"up-model"'));
  });

  test('OpenAI stream: stream_options.include_usage added, the client\'s own options kept, the rest as sent', async () => {
    const body = `{"model":"gpt","stream":true,"stream_options":{"x":1},"messages":[{"role":"user","content":"12345678901234567890"}],"seed":12345678901234567890}`;
    const sent = await post('/v1/chat/completions', body);
    assert.equal(sent, `{"model":"up-model","stream":true,"stream_options":{"x":1,"include_usage":true},"messages":[{"role":"user","content":"12345678901234567890"}],"seed":12345678901234567890}`);
    const withoutOptions = await post('/v1/chat/completions', `{"stream":true,"model":"gpt","messages":[]}`);
    assert.equal(withoutOptions, `{"stream":true,"model":"up-model","messages":[],"stream_options":{"include_usage":true}}`);
  });

  test('additional_drop_params are cut out of the bytes', async () => {
    const sent = await post('/v1/chat/completions', `{"temperature":0.30,"model":"drops","metadata":{"a":"b"},"messages":[],"top_p":1.0}`);
    assert.equal(sent, `{"model":"up-model","messages":[],"top_p":1.0}`);
  });

  test('Anthropic: the client bytes with the upstream model', async () => {
    const body = `{"model": "claude", "max_tokens": 5, "messages": [{"role": "user", "content": "hi \\u2713"}], "budget": 1.0e2}`;
    const sent = await post('/v1/messages', body);
    assert.equal(sent, body.replace('"claude"', '"claude-up"'));
  });

  test('a body that is not valid UTF-8 is re-serialised (the upstream gets valid UTF-8, the bad bytes as U+FFFD)', async () => {
    const body = Buffer.concat([Buffer.from('{"model":"gpt","messages":[{"role":"user","content":"a'), Buffer.from([0xff]), Buffer.from('b"}]}')]);
    const sent = await post('/v1/chat/completions', body);
    assert.equal(sent, '{"model":"up-model","messages":[{"role":"user","content":"a\ufffdb"}]}');
  });
});
