import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiSseToParts, signatureFromToolCallId } from '../../../src/proxy/protocols/gemini/index.ts';
import { collectStream, type StreamPart } from '../../../src/canonical/form.ts';
import { decodeAll, fixture, streamOf } from '../../backends/helpers/streams.ts';

describe('geminiSseToParts', () => {
  test('WIRE: a usage-only final chunk (no content) is read; usage converted per the Gemini convention', async () => {
    const parts = await decodeAll(fixture('gemini', 'text-usage-only-last.chunks'), geminiSseToParts());
    assert.deepEqual(parts[0], {
      type: 'message-start',
      id: 'resp-text-1',
      model: 'gemini-2.5-flash',
      usage: { input: 120, output: 0, cacheRead: 100, cacheWrite: 0, reasoning: 0 },
    });
    const res = await collectStream(streamOf(parts));
    assert.deepEqual(res.content, [{ type: 'text', text: 'Héllo wörld 🚀!' }]);
    assert.equal(res.finish, 'stop');
    // prompt 120 (+3 tool-use prompt) incl. 100 cached; output = candidates 7 + thoughts 11.
    assert.deepEqual(res.usage, { input: 123, output: 18, cacheRead: 100, cacheWrite: 0, reasoning: 11 });
  });

  test('the same parts whatever the byte boundaries', async () => {
    const bytes = fixture('gemini', 'thinking-then-call.chunks');
    const whole = await decodeAll(bytes, geminiSseToParts());
    assert.deepEqual(await decodeAll(bytes, geminiSseToParts(), 1), whole);
    assert.deepEqual(await decodeAll(bytes, geminiSseToParts(), 5), whole);
  });

  test('thought parts → reasoning; a whole functionCall → start + one args delta + end; STOP after a call → tool_use', async () => {
    const parts = await decodeAll(fixture('gemini', 'thinking-then-call.chunks'), geminiSseToParts());
    const call = parts.find((p) => p.type === 'tool-call-start') as Extract<StreamPart, { type: 'tool-call-start' }>;
    assert.equal(call.name, 'Write');
    assert.equal(call.signature, 'CiQBVKhc7+/sig/with+slash0==');
    assert.equal(signatureFromToolCallId(call.id), call.signature, 'the signature rides in the id');
    const i = parts.indexOf(call);
    assert.deepEqual(parts.slice(i + 1, i + 3), [
      { type: 'tool-call-delta', index: call.index, argsJson: '{"file_path":"/tmp/a.txt","content":"hi"}' },
      { type: 'block-end', index: call.index },
    ]);
    const res = await collectStream(streamOf(parts));
    assert.deepEqual(res.content.map((c) => c.type), ['reasoning', 'text', 'tool-call']);
    assert.equal((res.content[0] as { text: string }).text, '**Planning** I should write the file first.');
    assert.equal(res.finish, 'tool_use');
    assert.deepEqual(res.usage, { input: 900, output: 85, cacheRead: 0, cacheWrite: 0, reasoning: 60 });
  });

  test('parallel functionCalls in one chunk get distinct deterministic ids; only the first carries a signature', async () => {
    const a = await decodeAll(fixture('gemini', 'parallel-calls.chunks'), geminiSseToParts());
    const b = await decodeAll(fixture('gemini', 'parallel-calls.chunks'), geminiSseToParts());
    const starts = a.filter((p): p is Extract<StreamPart, { type: 'tool-call-start' }> => p.type === 'tool-call-start');
    assert.deepEqual(starts.map((s) => s.name), ['Bash', 'Read']);
    assert.notEqual(starts[0]!.id, starts[1]!.id);
    assert.deepEqual(a, b, 'ids are deterministic');
    assert.equal(starts[0]!.signature, 'c2lnLW9uZQ==');
    assert.equal(starts[1]!.signature, undefined);
    assert.equal(signatureFromToolCallId(starts[1]!.id), undefined);
    const res = await collectStream(streamOf(a));
    assert.deepEqual(res.content.map((c) => c.type === 'tool-call' && c.args), [{ command: 'ls' }, { file_path: '/etc/hosts' }]);
    assert.equal(res.finish, 'tool_use');
  });

  test('without a responseId, two identical answers (e.g. the same `ls` on two turns) still get distinct message and tool-call ids', async () => {
    const text = 'data: {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"Bash","args":{"command":"ls"}}}]},"finishReason":"STOP"}]}\n\n';
    const turn = async () => decodeAll(new TextEncoder().encode(text), geminiSseToParts());
    const [a, b] = [await turn(), await turn()];
    const idOf = (ps: StreamPart[], type: 'message-start' | 'tool-call-start') => (ps.find((p) => p.type === type) as { id: string }).id;
    assert.notEqual(idOf(a, 'message-start'), idOf(b, 'message-start'));
    assert.notEqual(idOf(a, 'tool-call-start'), idOf(b, 'tool-call-start'));
    assert.match(idOf(a, 'tool-call-start'), /^[A-Za-z0-9_-]+$/);
  });

  test('an error object mid-stream becomes one retryable error part and ends the parts', async () => {
    const parts = await decodeAll(fixture('gemini', 'error-mid-stream.chunks'), geminiSseToParts());
    const last = parts.at(-1) as Extract<StreamPart, { type: 'error' }>;
    assert.equal(last.type, 'error');
    assert.equal(last.error.kind, 'unavailable');
    assert.equal(last.error.retryable, true);
    assert.ok(!parts.some((p) => p.type === 'finish'));
  });

  test('an empty completion: message-start, usage, finish stop — no blocks', async () => {
    const parts = await decodeAll(fixture('gemini', 'empty.chunks'), geminiSseToParts());
    assert.deepEqual(parts.map((p) => p.type), ['message-start', 'usage', 'finish']);
  });

  test('MAX_TOKENS → length; SAFETY → content_filter; MALFORMED_FUNCTION_CALL → error', async () => {
    const res = await collectStream(streamOf(await decodeAll(fixture('gemini', 'max-tokens.chunks'), geminiSseToParts())));
    assert.equal(res.finish, 'length');
    for (const [reason, finish] of [['SAFETY', 'content_filter'], ['RECITATION', 'content_filter'], ['MALFORMED_FUNCTION_CALL', 'error']] as const) {
      const text = `data: {"candidates":[{"content":{"role":"model","parts":[]},"finishReason":"${reason}"}]}\n\n`;
      const parts = await decodeAll(new TextEncoder().encode(text), geminiSseToParts());
      assert.equal((parts.at(-1) as Extract<StreamPart, { type: 'finish' }>).reason, finish, reason);
    }
  });

  test('a stream with no frame at all, or an unreadable frame, is an error', async () => {
    const none = await decodeAll(new Uint8Array(), geminiSseToParts());
    assert.equal(none.length, 1);
    assert.equal(none[0]?.type, 'error');
    const bad = await decodeAll(new TextEncoder().encode('data: [oops\n\n'), geminiSseToParts());
    assert.equal(bad[0]?.type, 'error');
  });
});
