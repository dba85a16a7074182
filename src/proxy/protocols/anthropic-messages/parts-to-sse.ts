/**
 * Canonical StreamParts → an Anthropic Messages SSE stream, in WIRE.md's order:
 * message_start (empty content, real input_tokens) → per block: content_block_start →
 * content_block_delta* → content_block_stop → message_delta (stop_reason, cumulative usage)
 * → message_stop. Blocks are emitted one after another: a part for another block closes
 * the open one, and no delta is ever written before its block's start. An error part
 * becomes an `event: error` frame and ends the stream.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import type { FinishReason, StreamPart, Usage } from '../../../canonical/form.ts';
import { encodeSseFrame } from '../common/sse.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';
import { anthropicErrorBody } from './errors.ts';
import { anthropicToolId } from './encode-request.ts';
import { messageId } from './response.ts';
import { toAnthropicStopReason } from './stop-reason.ts';
import { toAnthropicUsage } from './usage.ts';
import { withProps } from '../../../util/objects.ts';

export interface PartsToAnthropicSseOptions {
  /** The model name to report (the alias the client asked for). */
  model: string;
  /**
   * Prompt size to report when the upstream gave none at message start (e.g. counted locally).
   * A function is called only then, so upstreams that report usage cost no local count.
   */
  inputTokens?: number | (() => number);
  /** Called once the upstream's parts have all been encoded (work to do after the response, such as `countLater`). */
  onEnd?: () => void;
}

type Kind = 'text' | 'tool' | 'reasoning';
interface Block {
  out: number;
  kind: Kind;
  open: boolean;
}

export function partsToAnthropicSse(opts: PartsToAnthropicSseOptions): TransformStream<StreamPart, Uint8Array> {
  return stageTransform((emit: (bytes: Uint8Array) => void) => anthropicSseEncoder(opts, emit));
}

/** The encoder as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function anthropicSseEncoder(opts: PartsToAnthropicSseOptions, emit: (bytes: Uint8Array) => void): SyncStage<StreamPart> {
  let started = false;
  let done = false;
  let nextOut = 0;
  let current: number | undefined; // canonical index of the open block
  let sawToolUse = false;
  let usage: Partial<Usage> = {};
  const blocks = new Map<number, Block>();
  let fallbackInput: number | undefined;
  const localInput = () =>
    (fallbackInput ??= typeof opts.inputTokens === 'function' ? opts.inputTokens() : (opts.inputTokens ?? 0));

  const send = (type: string, payload: Record<string, unknown>) =>
    emit(encodeSseFrame(JSON.stringify({ type, ...payload }), type));

  const start = (id = '', model?: string, startUsage?: Partial<Usage>) => {
    if (started) return;
    started = true;
    if (startUsage) usage = { ...usage, ...startUsage };
    const input = usage.input || localInput();
    usage.input = input;
    send('message_start', {
      message: {
        id: messageId(id),
        type: 'message',
        role: 'assistant',
        model: opts.model || model || '',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: toAnthropicUsage(withProps(usage, { output: usage.output ?? 0 })),
      },
    });
  };

  const close = () => {
    if (current === undefined) return;
    const b = blocks.get(current);
    current = undefined;
    if (!b?.open) return;
    b.open = false;
    send('content_block_stop', { index: b.out });
  };

  const open = (index: number, kind: Kind, contentBlock: Record<string, unknown>): Block => {
    start();
    if (current !== undefined && current !== index) close();
    const existing = blocks.get(index);
    if (existing?.open) return existing;
    const b: Block = { out: nextOut++, kind, open: true };
    blocks.set(index, b);
    current = index;
    send('content_block_start', { index: b.out, content_block: contentBlock });
    return b;
  };

  /** The block a delta belongs to, (re)opened if needed so a delta never precedes its start. */
  const forDelta = (index: number, kind: Kind): Block | undefined => {
    const b = blocks.get(index);
    if (b?.open && current === index) return b;
    if (b?.open) {
      // Interleaved delta of a block we already moved past: Anthropic blocks do not interleave.
      b.open = false;
      send('content_block_stop', { index: b.out });
    }
    if (kind === 'text') return open(index, 'text', { type: 'text', text: '' });
    if (kind === 'reasoning') return open(index, 'reasoning', { type: 'thinking', thinking: '', signature: '' });
    // A tool call cannot be reopened without its id and name; late argument pieces go to its old index.
    return b;
  };

  const finish = (reason: FinishReason, final: Usage, stopSequence?: string) => {
    start();
    close();
    done = true;
    // An upstream that never reported its prompt (final input 0) keeps what message_start said.
    const merged: Partial<Usage> = final.input
      ? { ...usage, ...final }
      : withProps(withProps(usage, final), { input: usage.input || localInput(), cacheRead: usage.cacheRead ?? 0, cacheWrite: usage.cacheWrite ?? 0 });
    const effective = reason === 'stop' && sawToolUse ? 'tool_use' : reason;
    const stopReason = toAnthropicStopReason(effective, stopSequence);
    send('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: stopReason === 'stop_sequence' ? stopSequence : null },
      usage: toAnthropicUsage(merged),
    });
    send('message_stop', {});
  };

  const fail = (error: ProxyError) => {
    done = true;
    send('error', { error: anthropicErrorBody(error).error });
  };

  return {
    push(part) {
      if (done) return;
      switch (part.type) {
        case 'message-start':
          return start(part.id, part.model, part.usage);
        case 'text-start':
          open(part.index, 'text', { type: 'text', text: '' });
          return;
        case 'text-delta': {
          if (!part.text) return;
          const b = forDelta(part.index, 'text');
          if (b) send('content_block_delta', { index: b.out, delta: { type: 'text_delta', text: part.text } });
          return;
        }
        case 'tool-call-start':
          sawToolUse = true;
          open(part.index, 'tool', { type: 'tool_use', id: anthropicToolId(part.id), name: part.name, input: {} });
          return;
        case 'tool-call-delta': {
          if (!part.argsJson) return;
          const b = forDelta(part.index, 'tool');
          if (b) send('content_block_delta', { index: b.out, delta: { type: 'input_json_delta', partial_json: part.argsJson } });
          return;
        }
        case 'reasoning-start':
          open(
            part.index,
            'reasoning',
            part.redacted !== undefined
              ? { type: 'redacted_thinking', data: part.redacted }
              : { type: 'thinking', thinking: '', signature: '' },
          );
          return;
        case 'reasoning-delta': {
          const b = forDelta(part.index, 'reasoning');
          if (!b) return;
          if (part.text) send('content_block_delta', { index: b.out, delta: { type: 'thinking_delta', thinking: part.text } });
          if (part.signature) {
            send('content_block_delta', { index: b.out, delta: { type: 'signature_delta', signature: part.signature } });
          }
          return;
        }
        case 'block-end':
          if (current === part.index) close();
          return;
        case 'usage':
          usage = { ...usage, ...part.usage };
          return;
        case 'finish':
          return finish(part.reason, part.usage, part.stopSequence);
        case 'error':
          return fail(part.error);
      }
    },
    end() {
      opts.onEnd?.();
      if (done) return;
      fail(
        new ProxyError('the upstream stream ended without a result', {
          code: 'stream_truncated',
          kind: 'api_error',
        }),
      );
    },
  };
}
