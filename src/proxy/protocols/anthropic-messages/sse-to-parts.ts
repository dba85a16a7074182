/**
 * An Anthropic Messages SSE stream (bytes) → canonical StreamParts, incrementally.
 * Upstream block indices are renumbered densely because blocks with no canonical form
 * (server tools, citations …) are skipped. A frame that does not parse becomes an error
 * part and ends the stream; so does a stream that stops before `message_stop`.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import type { FinishReason, StreamPart } from '../../../canonical/form.ts';
import { createSseReader, parseEventJson } from '../common/sse.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';
import { streamEvent, type AnthropicUsage, type StreamEvent } from './anthropic-api.ts';
import { decodeAnthropicStreamError } from './errors.ts';
import { fromAnthropicStopReason } from './stop-reason.ts';
import { fromAnthropicUsage, mergeAnthropicUsage } from './usage.ts';

type BlockKind = 'text' | 'tool' | 'reasoning';

export function anthropicSseToParts(): TransformStream<Uint8Array, StreamPart> {
  return stageTransform(anthropicSseDecoder);
}

/** The decoder as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function anthropicSseDecoder(emit: (part: StreamPart) => void): SyncStage<Uint8Array> {
  let usage: AnthropicUsage | undefined;
  let finish: FinishReason = 'stop';
  let stopSequence: string | undefined;
  let ended = false;
  let nextIndex = 0;
  /** upstream index → our index and kind, for blocks we pass on. */
  const blocks = new Map<number, { index: number; kind: BlockKind }>();

  const fail = (error: ProxyError) => {
    ended = true;
    emit({ type: 'error', error });
  };

  const onEvent = (ev: StreamEvent) => {
    switch (ev.type) {
      case 'message_start':
        usage = mergeAnthropicUsage(usage, ev.message.usage);
        emit({
          type: 'message-start',
          id: ev.message.id,
          model: ev.message.model ?? '',
          usage: fromAnthropicUsage(usage),
        });
        return;
      case 'content_block_start': {
        const cb = ev.content_block;
        const index = nextIndex;
        if (cb.type === 'text') {
          blocks.set(ev.index, { index, kind: 'text' });
          emit({ type: 'text-start', index });
          if (typeof cb.text === 'string' && cb.text) emit({ type: 'text-delta', index, text: cb.text });
        } else if (cb.type === 'tool_use') {
          blocks.set(ev.index, { index, kind: 'tool' });
          emit({ type: 'tool-call-start', index, id: String(cb.id), name: String(cb.name) });
          const input = cb.input;
          if (input && typeof input === 'object' && Object.keys(input).length) {
            emit({ type: 'tool-call-delta', index, argsJson: JSON.stringify(input) });
          }
        } else if (cb.type === 'thinking') {
          blocks.set(ev.index, { index, kind: 'reasoning' });
          emit({ type: 'reasoning-start', index });
          if (typeof cb.thinking === 'string' && cb.thinking) emit({ type: 'reasoning-delta', index, text: cb.thinking });
        } else if (cb.type === 'redacted_thinking') {
          blocks.set(ev.index, { index, kind: 'reasoning' });
          emit({ type: 'reasoning-start', index, redacted: String(cb.data ?? '') });
        } else return;
        nextIndex++;
        return;
      }
      case 'content_block_delta': {
        const block = blocks.get(ev.index);
        if (!block) return;
        const d = ev.delta;
        const { index } = block;
        if (d.type === 'text_delta' && typeof d.text === 'string') emit({ type: 'text-delta', index, text: d.text });
        else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string') {
          if (d.partial_json) emit({ type: 'tool-call-delta', index, argsJson: d.partial_json });
        } else if (d.type === 'thinking_delta' && typeof d.thinking === 'string') {
          emit({ type: 'reasoning-delta', index, text: d.thinking });
        } else if (d.type === 'signature_delta' && typeof d.signature === 'string') {
          emit({ type: 'reasoning-delta', index, text: '', signature: d.signature });
        }
        return;
      }
      case 'content_block_stop': {
        const block = blocks.get(ev.index);
        if (block) emit({ type: 'block-end', index: block.index });
        return;
      }
      case 'message_delta':
        if (ev.delta.stop_reason) finish = fromAnthropicStopReason(ev.delta.stop_reason);
        if (ev.delta.stop_sequence) stopSequence = ev.delta.stop_sequence;
        if (ev.usage) {
          usage = mergeAnthropicUsage(usage, ev.usage);
          emit({ type: 'usage', usage: fromAnthropicUsage(usage) });
        }
        return;
      case 'message_stop':
        ended = true;
        emit({
          type: 'finish',
          reason: finish,
          usage: fromAnthropicUsage(usage),
          ...(stopSequence ? { stopSequence } : {}),
        });
        return;
      case 'error':
        fail(decodeAnthropicStreamError(ev.error));
        return;
      case 'ping':
        return;
    }
  };

  const reader = createSseReader((msg) => {
    if (ended) return;
    const json = parseEventJson(msg.data);
    const parsed = streamEvent.safeParse(json);
    if (parsed.success) return onEvent(parsed.data);
    // Unknown event types are future additions: skip them. A known type that fails its schema is an error.
    const type = (json as { type?: unknown } | undefined)?.type;
    if (json !== undefined && typeof type === 'string' && !KNOWN_TYPES.has(type)) return;
    fail(badFrame(msg.event, msg.data));
  });
  return {
    push(bytes) {
      reader.feed(bytes);
    },
    end() {
      reader.end();
      if (ended) return;
      emit({
        type: 'error',
        error: new ProxyError('upstream stream ended before message_stop', {
          code: 'upstream_stream_truncated',
          kind: 'bad_gateway',
          retryable: true,
        }),
      });
    },
  };
}

const KNOWN_TYPES = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

function badFrame(event: string | undefined, data: string): ProxyError {
  return new ProxyError(`upstream sent an unreadable stream frame (${event ?? 'no event name'})`, {
    code: 'upstream_bad_frame',
    kind: 'bad_gateway',
    retryable: true,
    context: { frame: data.slice(0, 200) },
  });
}
