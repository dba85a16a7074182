/**
 * Usage taps for pass-through, when client and upstream both speak Anthropic Messages and the
 * proxy forwards the upstream's bytes untranslated.
 *
 * `anthropicSseTap` re-emits every chunk unchanged and, on the side, watches the events with
 * eventsource-parser for what the spend record needs: usage from message_start and
 * message_delta (cumulative), the first content block, finish and tool calls, errors. Only
 * the small frames that carry those are JSON-parsed; content deltas are known by event name.
 */
import { createParser } from 'eventsource-parser';
import type { FinishReason, Usage } from '../../../canonical/form.ts';
import { ProxyError } from '../../../canonical/errors.ts';
import { parseEventJson } from '../common/sse.ts';
import { anthropicUsage, messagesResponse, type AnthropicUsage } from './anthropic-api.ts';
import { decodeAnthropicStreamError } from './errors.ts';
import { fromAnthropicStopReason } from './stop-reason.ts';
import { fromAnthropicUsage, mergeAnthropicUsage } from './usage.ts';

export interface AnthropicSseTapOptions {
  /** Usage so far (canonical totals), after message_start and after each message_delta. */
  onUsage(u: Usage): void;
  /** Once, when the first content block starts. */
  onFirstContent(): void;
  /** Once, at message_stop. */
  onFinish(reason: FinishReason, toolCalls: number): void;
  /** Once, for an `event: error` frame or bytes ending before message_stop. */
  onError(e: ProxyError): void;
}

export function anthropicSseTap(opts: AnthropicSseTapOptions): TransformStream<Uint8Array, Uint8Array> {
  const core = anthropicSseTapCore(opts);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      c.enqueue(core.push(chunk));
    },
    flush() {
      core.end();
    },
  });
}

/** The tap as a synchronous core: `push` returns the bytes unchanged after reading them. */
export function anthropicSseTapCore(opts: AnthropicSseTapOptions): { push(b: Uint8Array): Uint8Array; end(): Uint8Array } {
  const decoder = new TextDecoder();
  let usage: AnthropicUsage | undefined;
  let reason: FinishReason = 'stop';
  let toolCalls = 0;
  let sawContent = false;
  let ended = false;

  const onUsage = (raw: unknown) => {
    const u = anthropicUsage.safeParse(raw);
    if (!u.success) return;
    usage = mergeAnthropicUsage(usage, u.data);
    opts.onUsage(fromAnthropicUsage(usage));
  };

  const parser = createParser({
    onEvent(ev) {
      if (ended) return;
      // Anthropic names every frame; fall back to the data's type for a nameless one.
      const type = ev.event ?? (parseEventJson(ev.data) as { type?: string } | undefined)?.type;
      switch (type) {
        case 'content_block_start':
          if (!sawContent) {
            sawContent = true;
            opts.onFirstContent();
          }
          if (ev.data.includes('"tool_use"')) {
            const block = (parseEventJson(ev.data) as { content_block?: { type?: string } } | undefined)?.content_block;
            if (block?.type === 'tool_use') toolCalls++;
          }
          return;
        case 'message_start':
          onUsage((parseEventJson(ev.data) as { message?: { usage?: unknown } } | undefined)?.message?.usage);
          return;
        case 'message_delta': {
          const d = parseEventJson(ev.data) as { delta?: { stop_reason?: string | null }; usage?: unknown } | undefined;
          if (d?.delta?.stop_reason) reason = fromAnthropicStopReason(d.delta.stop_reason);
          onUsage(d?.usage);
          return;
        }
        case 'message_stop':
          ended = true;
          opts.onFinish(reason, toolCalls);
          return;
        case 'error': {
          ended = true;
          const e = parseEventJson(ev.data) as { error?: { type?: string; message?: string } } | undefined;
          opts.onError(
            decodeAnthropicStreamError({ type: e?.error?.type ?? 'api_error', message: e?.error?.message ?? 'upstream error' }),
          );
          return;
        }
      }
    },
  });

  return {
    push(chunk) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      return chunk;
    },
    end() {
      parser.feed(decoder.decode() + '\n\n'); // completes a last frame sent without its blank line
      if (!ended) {
        ended = true;
        opts.onError(
          new ProxyError('upstream stream ended before message_stop', { code: 'upstream_stream_truncated', kind: 'bad_gateway' }),
        );
      }
      return new Uint8Array(0);
    },
  };
}

export interface AnthropicJsonTapResult {
  usage?: Usage;
  finish?: FinishReason;
  toolCalls: number;
}

/** What a non-streamed Messages answer tells the spend record. */
export function anthropicJsonTap(json: unknown): AnthropicJsonTapResult {
  const r = messagesResponse.safeParse(json);
  if (!r.success) return { toolCalls: 0 };
  const out: AnthropicJsonTapResult = {
    finish: fromAnthropicStopReason(r.data.stop_reason),
    toolCalls: r.data.content.filter((b) => b.type === 'tool_use').length,
  };
  if (r.data.usage) out.usage = fromAnthropicUsage(r.data.usage);
  return out;
}
