/**
 * Checks an Anthropic SSE text against WIRE.md's event grammar; returns the frames.
 * message_start → (content_block_start → content_block_delta* → content_block_stop)* →
 * message_delta → message_stop, `ping`/`error` anywhere, `event:` equal to data.type.
 */
import assert from 'node:assert/strict';
import { frames, type SseFrame } from '../../backends/helpers/streams.ts';

export interface Data {
  type: string;
  index?: number;
  message?: { content: unknown[]; usage: Record<string, number>; [k: string]: unknown };
  content_block?: Record<string, unknown>;
  delta?: Record<string, unknown>;
  usage?: Record<string, number>;
  error?: { type: string; message: string };
}

export function assertAnthropicStream(sse: string, opts: { endsWithError?: boolean } = {}): Array<SseFrame & { data: Data }> {
  const fs = frames(sse) as Array<SseFrame & { data: Data }>;
  const open = new Set<number>();
  const closed = new Set<number>();
  let phase: 'start' | 'blocks' | 'delta' | 'stopped' = 'start';
  for (const f of fs) {
    assert.equal(f.event, f.data.type, 'event name equals data.type');
    const t = f.data.type;
    if (t === 'ping') continue;
    if (t === 'error') {
      assert.ok(opts.endsWithError, 'unexpected error frame');
      assert.equal(f, fs.at(-1), 'error ends the stream');
      return fs;
    }
    switch (t) {
      case 'message_start': {
        assert.equal(phase, 'start');
        const msg = f.data.message!;
        assert.deepEqual(msg.content, []);
        assert.equal(typeof msg.usage.input_tokens, 'number');
        phase = 'blocks';
        break;
      }
      case 'content_block_start': {
        assert.equal(phase, 'blocks');
        const i = f.data.index!;
        assert.ok(!open.has(i) && !closed.has(i), `block ${i} started twice`);
        assert.equal(open.size, 0, 'blocks do not interleave');
        const cb = f.data.content_block!;
        if (cb.type === 'tool_use') assert.deepEqual(cb.input, {}, 'tool_use starts with input {}');
        open.add(i);
        break;
      }
      case 'content_block_delta':
        assert.ok(open.has(f.data.index!), `delta for block ${f.data.index} before its start or after its stop`);
        break;
      case 'content_block_stop':
        assert.ok(open.delete(f.data.index!), `stop of a block that is not open`);
        closed.add(f.data.index!);
        break;
      case 'message_delta': {
        assert.equal(phase, 'blocks');
        assert.equal(open.size, 0, 'every block stopped before message_delta');
        const stop = String(f.data.delta?.stop_reason);
        assert.ok(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use'].includes(stop), `stop_reason ${stop}`);
        phase = 'delta';
        break;
      }
      case 'message_stop':
        assert.equal(phase, 'delta');
        phase = 'stopped';
        break;
      default:
        assert.fail(`unknown event ${t}`);
    }
  }
  assert.ok(!opts.endsWithError, 'expected an error frame');
  assert.equal(phase, 'stopped', 'stream ends with message_stop');
  return fs;
}
