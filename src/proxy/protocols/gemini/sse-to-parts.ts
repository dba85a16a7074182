/**
 * `streamGenerateContent?alt=sse` (bytes) → canonical StreamParts, incrementally.
 *
 * Each frame is a GenerateContentResponse whose candidates[0].content.parts are deltas: text
 * (`thought: true` → reasoning) is streamed into the open block; a functionCall arrives whole
 * and becomes tool-call-start + one tool-call-delta + block-end. usageMetadata is cumulative
 * and may come in frames without content. Gemini has no end marker, so `finish` is emitted
 * when the upstream closes; after a functionCall the finish is tool_use even though Gemini
 * says STOP.
 */
import { randomUUID } from 'node:crypto';
import { ProxyError } from '../../../canonical/errors.ts';
import type { StreamPart } from '../../../canonical/form.ts';
import { createSseReader, parseEventJson, type EventSourceMessage } from '../common/sse.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';
import { asGenerateContentResponse, generateContentResponse, type GeminiPart, type GeminiUsage } from './gemini-api.ts';
import { decodeGeminiStatus } from './errors.ts';
import { fromGeminiFinishReason } from './finish-reason.ts';
import { geminiToolCallId, withSignature } from './tool-call-id.ts';
import { fromGeminiUsage } from './usage.ts';

export interface GeminiSseToPartsOptions {
  /** Model name for message-start when the upstream reports no modelVersion. */
  model?: string;
}

type Emit = (p: StreamPart) => void;

export function geminiSseToParts(opts: GeminiSseToPartsOptions = {}): TransformStream<Uint8Array, StreamPart> {
  return stageTransform((emit: Emit) => geminiSseDecoder(opts, emit));
}

/** The decoder as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function geminiSseDecoder(opts: GeminiSseToPartsOptions, emit: Emit): SyncStage<Uint8Array> {
  let started = false;
  let ended = false;
  let nextIndex = 0;
  let open: { index: number; kind: 'text' | 'reasoning' } | undefined;
  let toolCalls = 0;
  /** The message id: the responseId, else a fresh one; it also seeds the tool-call ids, so they are unique per response. */
  let messageId = '';
  let finishReason: string | undefined;
  let usage: GeminiUsage | undefined;
  let usageKey = '';

  const close = () => {
    if (open) emit({ type: 'block-end', index: open.index });
    open = undefined;
  };
  const ensureOpen = (kind: 'text' | 'reasoning'): number => {
    if (open?.kind === kind) return open.index;
    close();
    open = { index: nextIndex++, kind };
    emit(kind === 'text' ? { type: 'text-start', index: open.index } : { type: 'reasoning-start', index: open.index });
    return open.index;
  };

  const onPart = (p: GeminiPart) => {
    if (p.functionCall) {
      close();
      const index = nextIndex++;
      const args = p.functionCall.args ?? {};
      const signature = p.thoughtSignature;
      const id = p.functionCall.id
        ? withSignature(p.functionCall.id, signature)
        : geminiToolCallId(messageId, toolCalls, signature);
      toolCalls++;
      emit({ type: 'tool-call-start', index, id, name: p.functionCall.name, ...(signature ? { signature } : {}) });
      emit({ type: 'tool-call-delta', index, argsJson: JSON.stringify(args) });
      emit({ type: 'block-end', index });
      return;
    }
    if (typeof p.text !== 'string') return; // executableCode, inlineData … have no canonical form
    if (p.thought) {
      if (!p.text && !p.thoughtSignature) return;
      const index = ensureOpen('reasoning');
      if (p.text) emit({ type: 'reasoning-delta', index, text: p.text });
      if (p.thoughtSignature) emit({ type: 'reasoning-delta', index, text: '', signature: p.thoughtSignature });
      return;
    }
    // An empty text part carrying only a signature closes a thinking turn; nothing to show.
    if (!p.text) return;
    emit({ type: 'text-delta', index: ensureOpen('text'), text: p.text });
  };

  const onFrame = (msg: EventSourceMessage) => {
    const json = parseEventJson(msg.data);
    // The guard, the schema's twin, passes what the schema passes (without zod's copy); the schema has the last word.
    const chunk = asGenerateContentResponse(json) ?? generateContentResponse.safeParse(json).data;
    if (!chunk) {
      ended = true;
      emit({ type: 'error', error: badFrame(msg.data) });
      return;
    }
    if (chunk.error) {
      ended = true;
      emit({ type: 'error', error: decodeGeminiStatus(chunk.error, { midStream: true }) });
      return;
    }
    if (!started) {
      started = true;
      // Without a responseId, a fresh id: clients (Claude Code) merge turns that share a message id.
      messageId = chunk.responseId ?? `gemini_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      emit({
        type: 'message-start',
        id: messageId,
        model: chunk.modelVersion ?? opts.model ?? '',
        ...(chunk.usageMetadata ? { usage: fromGeminiUsage(chunk.usageMetadata) } : {}),
      });
    }
    const candidate = chunk.candidates?.[0];
    for (const p of candidate?.content?.parts ?? []) onPart(p);
    if (candidate?.finishReason) finishReason = candidate.finishReason;
    if (chunk.promptFeedback?.blockReason) finishReason = 'SAFETY';
    if (chunk.usageMetadata) {
      usage = chunk.usageMetadata;
      const key = JSON.stringify(usage);
      if (key !== usageKey) {
        usageKey = key;
        emit({ type: 'usage', usage: fromGeminiUsage(usage) });
      }
    }
  };

  const reader = createSseReader((msg) => {
    if (!ended) onFrame(msg);
  });
  return {
    push(bytes) {
      reader.feed(bytes);
    },
    end() {
      reader.end();
      if (ended) return;
      if (!started) {
        emit({
          type: 'error',
          error: new ProxyError('upstream stream ended without any frame', {
            code: 'upstream_empty_stream',
            kind: 'bad_gateway',
            retryable: true,
          }),
        });
        return;
      }
      close();
      emit({ type: 'finish', reason: fromGeminiFinishReason(finishReason, toolCalls > 0), usage: fromGeminiUsage(usage) });
    },
  };
}

function badFrame(data: string): ProxyError {
  return new ProxyError('upstream sent an unreadable Gemini stream frame', {
    code: 'upstream_bad_frame',
    kind: 'bad_gateway',
    retryable: true,
    context: { frame: data.slice(0, 200) },
  });
}
