import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicSseToParts } from '../../../src/proxy/protocols/anthropic-messages/index.ts';
import { collectStream, type StreamPart } from '../../../src/canonical/form.ts';
import { byteStream, decodeAll, fixture, streamOf } from '../../backends/helpers/streams.ts';

describe('anthropicSseToParts', () => {
  test('text then a tool call whose arguments arrive in many input_json_delta pieces', async () => {
    const parts = await decodeAll(fixture('anthropic', 'text-then-tool.chunks'), anthropicSseToParts());
    assert.deepEqual(parts[0], {
      type: 'message-start',
      id: 'msg_01TextTool',
      model: 'claude-sonnet-4-5',
      usage: { input: 132, output: 1, cacheRead: 100, cacheWrite: 20, reasoning: 0 },
    });
    const argPieces = parts.filter((p) => p.type === 'tool-call-delta');
    assert.equal(argPieces.length, 5, 'every non-empty input_json_delta is kept');
    const res = await collectStream(streamOf(parts));
    assert.deepEqual(res.content, [
      { type: 'text', text: 'Héllo wörld 🚀, writing the file.' },
      { type: 'tool-call', id: 'toolu_01WriteA', name: 'Write', args: { file_path: '/tmp/hello.txt', content: 'hi thére\n' } },
    ]);
    assert.equal(res.finish, 'tool_use');
    assert.deepEqual(res.usage, { input: 132, output: 42, cacheRead: 100, cacheWrite: 20, reasoning: 0 });
  });

  test('the same parts whatever the byte boundaries (byte by byte, 7-byte pieces)', async () => {
    const bytes = fixture('anthropic', 'text-then-tool.chunks');
    const whole = await decodeAll(bytes, anthropicSseToParts());
    assert.deepEqual(await decodeAll(bytes, anthropicSseToParts(), 1), whole);
    assert.deepEqual(await decodeAll(bytes, anthropicSseToParts(), 7), whole);
  });

  test('thinking with signature_delta becomes reasoning with its signature', async () => {
    const res = await collectStream(byteStream(fixture('anthropic', 'thinking.chunks')).pipeThrough(anthropicSseToParts()));
    assert.deepEqual(res.content, [
      { type: 'reasoning', text: 'Let me think about 2+2.', signature: 'EqQBCkgIARABGAIiQL2sig==' },
      { type: 'text', text: '4' },
    ]);
    assert.equal(res.finish, 'stop');
  });

  test('an error event mid-stream becomes an error part (overloaded → retryable 529) and ends the parts', async () => {
    const parts = await decodeAll(fixture('anthropic', 'error-mid-stream.chunks'), anthropicSseToParts());
    const last = parts.at(-1) as Extract<StreamPart, { type: 'error' }>;
    assert.equal(last.type, 'error');
    assert.equal(last.error.kind, 'overloaded');
    assert.equal(last.error.status, 529);
    assert.equal(last.error.retryable, true);
    assert.equal(parts.filter((p) => p.type === 'error').length, 1);
    assert.ok(!parts.some((p) => p.type === 'finish'));
  });

  test('an empty completion: message-start then finish, no blocks', async () => {
    const parts = await decodeAll(fixture('anthropic', 'empty.chunks'), anthropicSseToParts());
    assert.deepEqual(parts.map((p) => p.type), ['message-start', 'usage', 'finish']);
    const res = await collectStream(streamOf(parts));
    assert.deepEqual(res.content, []);
    assert.equal(res.usage.input, 9);
  });

  test('server tool blocks are skipped and the remaining blocks renumbered densely', async () => {
    const parts = await decodeAll(fixture('anthropic', 'server-tool-and-parallel.chunks'), anthropicSseToParts());
    const starts = parts.filter((p) => p.type === 'tool-call-start');
    assert.deepEqual(starts.map((p) => [p.index, p.name]), [[0, 'Bash'], [1, 'Read']]);
    const res = await collectStream(streamOf(parts));
    assert.deepEqual(res.content.map((c) => c.type === 'tool-call' && c.args), [{ command: 'ls -la' }, { file_path: '/a' }]);
  });

  test('a stream cut before message_stop ends with a retryable truncation error', async () => {
    const parts = await decodeAll(fixture('anthropic', 'truncated.chunks'), anthropicSseToParts());
    const last = parts.at(-1) as Extract<StreamPart, { type: 'error' }>;
    assert.equal(last.type, 'error');
    assert.equal(last.error.code, 'upstream_stream_truncated');
  });

  test('an unreadable frame becomes one error part', async () => {
    const bad = new TextEncoder().encode('event: content_block_delta\ndata: {not json\n\n');
    const parts = await decodeAll(bad, anthropicSseToParts());
    assert.equal(parts.length, 1);
    assert.equal(parts[0]?.type, 'error');
  });

  test('unknown future event types are ignored', async () => {
    const text =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":1}}}\n\n' +
      'event: future_thing\ndata: {"type":"future_thing"}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const parts = await decodeAll(new TextEncoder().encode(text), anthropicSseToParts());
    assert.deepEqual(parts.map((p) => p.type), ['message-start', 'finish']);
  });
});
