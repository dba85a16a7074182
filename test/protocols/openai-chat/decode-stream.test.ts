import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collectStream, emptyUsage, type StreamPart } from '../../../src/canonical/form.ts';
import { ProxyError } from '../../../src/canonical/errors.ts';
import { openAIDataToParts, openAISseToParts } from '../../../src/proxy/protocols/openai-chat/index.ts';
import { byteStream, collect, fixture, streamOf } from './helpers.ts';

const enc = new TextEncoder();

async function decode(bytes: Uint8Array, size?: number): Promise<StreamPart[]> {
  return collect(byteStream(bytes, size).pipeThrough(openAISseToParts()));
}

function sse(...payloads: unknown[]): Uint8Array {
  return enc.encode(payloads.map((p) => `data: ${typeof p === 'string' ? p : JSON.stringify(p)}\n\n`).join(''));
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-x',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

describe('openAISseToParts on recorded fixtures', () => {
  test('text stream with a usage chunk: text block, then finish carrying the usage', async () => {
    const parts = await decode(fixture('text-with-usage.chunks'));
    const texts = ['Hello', '!', ' How', ' can', ' I', ' help', '?'];
    assert.deepEqual(parts, [
      { type: 'message-start', id: 'chatcmpl-AbC1text', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-start', index: 0 },
      ...texts.map((text) => ({ type: 'text-delta', index: 0, text })),
      { type: 'block-end', index: 0 },
      { type: 'finish', reason: 'stop', usage: { input: 1250, output: 9, cacheRead: 1024, cacheWrite: 0, reasoning: 0 } },
    ]);
  });

  test('parallel tool calls with arguments in many pieces: one block each, no piece lost', async () => {
    const parts = await decode(fixture('parallel-tool-calls.chunks'));
    const first = ['{"', 'command', '":"', 'ls', ' -la', ' src', '","', 'description', '":"', 'List', ' files', '"}'];
    const second = ['{"', 'file', 'Path', '":"', '/tmp/', 'a.ts', '"}'];
    assert.deepEqual(parts, [
      { type: 'message-start', id: 'chatcmpl-AbC2tools', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'tool-call-start', index: 0, id: 'call_Q1bash', name: 'bash' },
      ...first.map((argsJson) => ({ type: 'tool-call-delta', index: 0, argsJson })),
      { type: 'block-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_Q2read', name: 'read' },
      ...second.map((argsJson) => ({ type: 'tool-call-delta', index: 1, argsJson })),
      { type: 'block-end', index: 1 },
      { type: 'finish', reason: 'tool_use', usage: { input: 812, output: 64, cacheRead: 0, cacheWrite: 0, reasoning: 0 } },
    ]);
    const res = await collectStream(streamOf<StreamPart>(parts));
    assert.deepEqual(
      res.content.map((p) => (p.type === 'tool-call' ? p.args : null)),
      [{ command: 'ls -la src', description: 'List files' }, { filePath: '/tmp/a.ts' }],
    );
  });

  test('reasoning then text, usage-only final chunk and no [DONE]: finish comes at the end with the usage', async () => {
    const parts = await decode(fixture('usage-only-final.chunks'));
    assert.deepEqual(parts, [
      { type: 'message-start', id: 'chatcmpl-AbC3reason', model: 'deepseek-reasoner' },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, text: 'The user' },
      { type: 'reasoning-delta', index: 0, text: ' wants' },
      { type: 'reasoning-delta', index: 0, text: ' 2+2.' },
      { type: 'block-end', index: 0 },
      { type: 'text-start', index: 1 },
      { type: 'text-delta', index: 1, text: '2 + 2' },
      { type: 'text-delta', index: 1, text: ' = 4' },
      { type: 'block-end', index: 1 },
      { type: 'finish', reason: 'stop', usage: { input: 40, output: 30, cacheRead: 32, cacheWrite: 0, reasoning: 21 } },
    ]);
  });

  test('an error payload mid-stream becomes a terminal error part', async () => {
    const parts = await decode(fixture('error-mid-stream.chunks'));
    assert.deepEqual(parts.slice(0, 4), [
      { type: 'message-start', id: 'chatcmpl-AbC4err', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, text: 'Let me' },
      { type: 'text-delta', index: 0, text: ' think' },
    ]);
    assert.equal(parts.length, 5);
    const last = parts[4];
    assert.ok(last?.type === 'error');
    assert.ok(last.error instanceof ProxyError);
    assert.equal(last.error.kind, 'api_error');
    assert.equal(last.error.retryable, true);
    assert.match(last.error.message, /The server had an error/);
    assert.equal(last.error.context['upstreamType'], 'server_error');
  });

  test('an empty completion gives message-start and finish only, with zero usage', async () => {
    const parts = await decode(fixture('empty-completion.chunks'));
    assert.deepEqual(parts, [
      { type: 'message-start', id: 'chatcmpl-AbC5empty', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'finish', reason: 'stop', usage: emptyUsage() },
    ]);
  });

  for (const name of ['text-with-usage.chunks', 'parallel-tool-calls.chunks', 'usage-only-final.chunks', 'error-mid-stream.chunks']) {
    test(`${name} fed one byte at a time decodes to the same parts`, async () => {
      const whole = await decode(fixture(name));
      const bytewise = await decode(fixture(name), 1);
      assert.deepEqual(stripErrors(bytewise), stripErrors(whole));
    });
  }
});

/** Error parts hold ProxyError instances; compare their codes. */
function stripErrors(parts: StreamPart[]): unknown[] {
  return parts.map((p) => (p.type === 'error' ? { type: 'error', code: p.error.code } : p));
}

describe('openAISseToParts edge cases', () => {
  test('a chunk that is not JSON becomes an error part and nothing follows', async () => {
    const parts = await decode(sse(chunk({ role: 'assistant', content: 'hi' }), '{not json', chunk({ content: 'more' }, 'stop')));
    assert.equal(parts.at(-1)?.type, 'error');
    const err = parts.at(-1);
    assert.ok(err?.type === 'error');
    assert.equal(err.error.code, 'upstream_invalid_chunk');
    assert.equal(err.error.kind, 'bad_gateway');
    assert.ok(!parts.some((p) => p.type === 'text-delta' && p.text === 'more'));
  });

  test('a chunk of the wrong shape becomes an error part', async () => {
    const parts = await decode(sse({ choices: 'nope' }));
    const err = parts.at(-1);
    assert.ok(err?.type === 'error');
    assert.match(err.error.message, /choices/);
  });

  test('bytes ending before any finish_reason are reported as truncated', async () => {
    const parts = await decode(sse(chunk({ role: 'assistant', content: 'partial' })));
    const err = parts.at(-1);
    assert.ok(err?.type === 'error');
    assert.equal(err.error.code, 'upstream_stream_truncated');
  });

  test('a last frame without its blank line is still read', async () => {
    const bytes = enc.encode(`data: ${JSON.stringify(chunk({ content: 'x' }, 'length'))}\n\ndata: [DONE]`);
    const parts = await decode(bytes);
    assert.deepEqual(parts.at(-1), { type: 'finish', reason: 'length', usage: emptyUsage() });
  });

  test('usage on the finish chunk itself (vLLM, Gemini endpoint) is used', async () => {
    const usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 };
    const parts = await decode(sse(chunk({ content: 'ok' }, 'stop', { usage }), '[DONE]'));
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      reason: 'stop',
      usage: { input: 10, output: 2, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    });
  });

  test('whole tool calls in one chunk, and a server that omits index, each get their own block', async () => {
    const parts = await decode(
      sse(
        chunk({
          role: 'assistant',
          tool_calls: [
            { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
            { index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
          ],
        }),
        chunk({ tool_calls: [{ id: 'c', type: 'function', function: { name: 'h', arguments: '{"y"' } }] }),
        chunk({ tool_calls: [{ function: { arguments: ':2}' } }] }, 'tool_calls'),
        '[DONE]',
      ),
    );
    const res = await collectStream(streamOf<StreamPart>(parts));
    assert.equal(res.finish, 'tool_use');
    assert.deepEqual(
      res.content.map((p) => (p.type === 'tool-call' ? [p.id, p.name, p.args] : p.type)),
      [['a', 'f', { x: 1 }], ['b', 'g', {}], ['c', 'h', { y: 2 }]],
    );
  });

  test('finish_reason values map to canonical reasons', async () => {
    for (const [wire, canonical] of [['length', 'length'], ['content_filter', 'content_filter'], ['function_call', 'tool_use'], ['tool_calls', 'tool_use'], ['stop', 'stop']] as const) {
      const parts = await decode(sse(chunk({ content: 'a' }), chunk({}, wire), '[DONE]'));
      assert.deepEqual(parts.at(-1), { type: 'finish', reason: canonical, usage: emptyUsage() });
    }
  });

  test('openAIDataToParts takes framed payloads', async () => {
    const parts = await collect(
      streamOf([JSON.stringify(chunk({ content: 'hey' })), JSON.stringify(chunk({}, 'stop')), '[DONE]']).pipeThrough(openAIDataToParts()),
    );
    assert.deepEqual(parts.map((p) => p.type), ['message-start', 'text-start', 'text-delta', 'block-end', 'finish']);
  });
});
