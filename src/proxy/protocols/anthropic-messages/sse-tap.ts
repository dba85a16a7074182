/**
 * Same-dialect pass-through: re-emit the upstream's Anthropic SSE bytes unchanged, and on the
 * side watch the events for what the spend record needs (first content, usage from
 * message_start + message_delta, finish, tool calls, errors). Only the small frames that
 * carry those are JSON-parsed; content deltas are recognised by their event name alone.
 */
import { createParser } from 'eventsource-parser';
import type { FinishReason, Usage } from '../../canonical.ts';
import { ProxyError } from '../../errors.ts';
import { parseEventJson } from '../common/sse.ts';
import { anthropicUsage, type AnthropicUsage } from './anthropic-api.ts';
import { decodeAnthropicStreamError } from './errors.ts';
import { anthropicStopToFinish } from './stop-reason.ts';
import { anthropicUsageToCanonical, mergeAnthropicUsage } from './usage.ts';

export interface SseTapSummary {
  reason: FinishReason;
  usage: Usage;
  toolCalls: number;
  stopSequence?: string;
}

export interface SseTapCallbacks {
  /** The first content block started (the time to first token). */
  onFirstContent?: () => void;
  /** Usage so far (canonical totals), after message_start and each message_delta. */
  onUsage?: (usage: Usage) => void;
  /** message_stop arrived. */
  onFinish?: (summary: SseTapSummary) => void;
  /** An `event: error` frame arrived, or the stream ended without message_stop. */
  onError?: (error: ProxyError) => void;
}

export function anthropicSseTap(cb: SseTapCallbacks): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let usage: AnthropicUsage | undefined;
  let reason: FinishReason = 'stop';
  let stopSequence: string | undefined;
  let toolCalls = 0;
  let sawContent = false;
  let ended = false;

  const parser = createParser({
    onEvent(ev) {
      // Anthropic names every frame; fall back to the data's type for a nameless one.
      const type = ev.event ?? (parseEventJson(ev.data) as { type?: string } | undefined)?.type;
      switch (type) {
        case 'content_block_start':
          if (!sawContent) {
            sawContent = true;
            cb.onFirstContent?.();
          }
          if (ev.data.includes('"tool_use"')) {
            const block = (parseEventJson(ev.data) as { content_block?: { type?: string } } | undefined)?.content_block;
            if (block?.type === 'tool_use') toolCalls++;
          }
          return;
        case 'message_start': {
          const msg = parseEventJson(ev.data) as { message?: { usage?: unknown } } | undefined;
          const u = anthropicUsage.safeParse(msg?.message?.usage);
          if (u.success) usage = mergeAnthropicUsage(usage, u.data);
          cb.onUsage?.(anthropicUsageToCanonical(usage));
          return;
        }
        case 'message_delta': {
          const d = parseEventJson(ev.data) as
            | { delta?: { stop_reason?: string | null; stop_sequence?: string | null }; usage?: unknown }
            | undefined;
          if (d?.delta?.stop_reason) reason = anthropicStopToFinish(d.delta.stop_reason);
          if (d?.delta?.stop_sequence) stopSequence = d.delta.stop_sequence;
          const u = anthropicUsage.safeParse(d?.usage);
          if (u.success) usage = mergeAnthropicUsage(usage, u.data);
          cb.onUsage?.(anthropicUsageToCanonical(usage));
          return;
        }
        case 'message_stop':
          ended = true;
          cb.onFinish?.({
            reason,
            usage: anthropicUsageToCanonical(usage),
            toolCalls,
            ...(stopSequence ? { stopSequence } : {}),
          });
          return;
        case 'error': {
          ended = true;
          const e = parseEventJson(ev.data) as { error?: { type?: string; message?: string } } | undefined;
          cb.onError?.(
            decodeAnthropicStreamError({ type: e?.error?.type ?? 'api_error', message: e?.error?.message ?? 'upstream error' }),
          );
          return;
        }
      }
    },
  });

  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      c.enqueue(chunk);
      parser.feed(decoder.decode(chunk, { stream: true }));
    },
    flush() {
      parser.feed(decoder.decode());
      parser.reset({ consume: true });
      if (!ended) {
        cb.onError?.(
          new ProxyError('upstream stream ended before message_stop', {
            code: 'upstream_stream_truncated',
            kind: 'bad_gateway',
          }),
        );
      }
    },
  });
}
