/**
 * The official `openai` client reads what our encoders write. No server: the client's
 * `fetch` option is given a function that answers with our bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { CanonicalResponse, StreamPart } from '../../../src/canonical/form.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';
import { encodeOpenAIError, encodeOpenAIResponse, partsToOpenAISse } from '../../../src/proxy/protocols/openai-chat/index.ts';
import { streamOf } from './helpers.ts';

function clientAnswering(answer: () => Response): OpenAI {
  return new OpenAI({ apiKey: 'test-key', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: async () => answer() });
}

const sseResponse = (parts: StreamPart[]) =>
  new Response(streamOf(parts).pipeThrough(partsToOpenAISse({ model: 'shared-model', includeUsage: true, created: 1 })), {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
  });

const parts: StreamPart[] = [
  { type: 'message-start', id: 'msg_1', model: 'x' },
  { type: 'text-start', index: 0 },
  { type: 'text-delta', index: 0, text: 'Checking ' },
  { type: 'text-delta', index: 0, text: 'files.' },
  { type: 'block-end', index: 0 },
  { type: 'tool-call-start', index: 1, id: 'call_1', name: 'bash' },
  { type: 'tool-call-delta', index: 1, argsJson: '{"comm' },
  { type: 'tool-call-delta', index: 1, argsJson: 'and":"ls"}' },
  { type: 'block-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'call_2', name: 'read' },
  { type: 'tool-call-delta', index: 2, argsJson: '{"path":"a"}' },
  { type: 'block-end', index: 2 },
  { type: 'finish', reason: 'tool_use', usage: { input: 11, output: 7, cacheRead: 3, cacheWrite: 0, reasoning: 0 } },
];

describe('the official openai client reads our output', () => {
  test('a streamed answer accumulates to the same message, tool calls and usage', async () => {
    const client = clientAnswering(() => sseResponse(parts));
    const stream = client.chat.completions.stream({
      model: 'shared-model',
      messages: [{ role: 'user', content: 'go' }],
      stream_options: { include_usage: true },
    });
    const done = await stream.finalChatCompletion();
    const choice = done.choices[0];
    assert.equal(choice?.message.content, 'Checking files.');
    assert.deepEqual(
      choice?.message.tool_calls?.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : null)),
      [
        ['call_1', 'bash', '{"command":"ls"}'],
        ['call_2', 'read', '{"path":"a"}'],
      ],
    );
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(done.model, 'shared-model');
    assert.equal(done.usage?.prompt_tokens, 11);
    assert.equal(done.usage?.prompt_tokens_details?.cached_tokens, 3);
  });

  test('an error frame mid-stream makes the client throw an APIError', async () => {
    const err = new ProxyError('upstream fell over', { code: 'upstream_api_error', kind: 'api_error' });
    const client = clientAnswering(() =>
      sseResponse([{ type: 'message-start', id: 'm', model: 'x' }, { type: 'text-delta', index: 0, text: 'a' }, { type: 'error', error: err }]),
    );
    const stream = await client.chat.completions.create({ model: 'shared-model', messages: [{ role: 'user', content: 'go' }], stream: true });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
      (e: unknown) => e instanceof OpenAI.APIError && /upstream fell over/.test(e.message),
    );
    assert.deepEqual(seen, ['', 'a']);
  });

  test('a non-streamed completion parses', async () => {
    const res: CanonicalResponse = {
      id: 'r1',
      model: 'x',
      content: [{ type: 'text', text: 'hello' }],
      finish: 'stop',
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    };
    const client = clientAnswering(() => Response.json(encodeOpenAIResponse(res, 'shared-model')));
    const out = await client.chat.completions.create({ model: 'shared-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(out.choices[0]?.message.content, 'hello');
    assert.equal(out.id, 'chatcmpl-r1');
  });

  test('our error bodies become typed client errors', async () => {
    const e = new ProxyError('messages: required', { code: 'invalid_request', kind: 'invalid_request', context: { param: 'messages' } });
    const { status, body } = encodeOpenAIError(e);
    const client = clientAnswering(() => Response.json(body, { status }));
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [] }),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && err.code === 'invalid_request' && err.param === 'messages' && err.type === 'invalid_request_error',
    );
  });
});
