/**
 * Canonical StreamParts → a `streamGenerateContent?alt=sse` stream: the Gemini surface's
 * streams, fake Gemini upstreams in tests, and the round-trip property tests. A functionCall is sent whole (Gemini
 * never splits one), so a tool call's argument pieces are held until its block ends.
 */
import type { StreamPart, Usage } from '../../../canonical/form.ts';
import { encodeSseFrame } from '../common/sse.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';
import { encodeGeminiError } from './decode-request.ts';
import { toGeminiFinishReason } from './finish-reason.ts';
import { toGeminiUsage } from './usage.ts';
import { baseToolCallId, signatureFromToolCallId } from './tool-call-id.ts';

export function partsToGeminiSse(opts: { model?: string } = {}): TransformStream<StreamPart, Uint8Array> {
  return stageTransform((emit: (bytes: Uint8Array) => void) => geminiSseEncoder(opts, emit));
}

/** The encoder as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function geminiSseEncoder(opts: { model?: string }, emit: (bytes: Uint8Array) => void): SyncStage<StreamPart> {
  let responseId: string | undefined;
  let model = opts.model;
  const calls = new Map<number, { id: string; name: string; args: string; signature?: string }>();
  const frame = (body: Record<string, unknown>) =>
    encodeSseFrame(JSON.stringify({ ...body, ...(model ? { modelVersion: model } : {}), ...(responseId ? { responseId } : {}) }));
  const content = (part: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    frame({ candidates: [{ content: { role: 'model', parts: [part] }, index: 0, ...extra }] });

  return {
    push(p) {
      switch (p.type) {
        case 'message-start':
          responseId = p.id || undefined;
          model = opts.model ?? (p.model || undefined);
          if (p.usage) emit(frame({ usageMetadata: toGeminiUsage(p.usage) }));
          return;
        case 'text-delta':
          if (p.text) emit(content({ text: p.text }));
          return;
        case 'reasoning-delta':
          if (p.text || p.signature) {
            emit(content({ text: p.text, thought: true, ...(p.signature ? { thoughtSignature: p.signature } : {}) }));
          }
          return;
        case 'tool-call-start': {
          const signature = p.signature ?? signatureFromToolCallId(p.id);
          calls.set(p.index, { id: baseToolCallId(p.id), name: p.name, args: '', ...(signature ? { signature } : {}) });
          return;
        }
        case 'tool-call-delta': {
          const call = calls.get(p.index);
          if (call) call.args += p.argsJson;
          return;
        }
        case 'block-end': {
          const call = calls.get(p.index);
          if (!call) return;
          calls.delete(p.index);
          emit(
            content({
              functionCall: { id: call.id, name: call.name, args: parseArgs(call.args) },
              ...(call.signature ? { thoughtSignature: call.signature } : {}),
            }),
          );
          return;
        }
        case 'usage':
          emit(frame({ usageMetadata: toGeminiUsage(p.usage) }));
          return;
        case 'finish':
          emit(
            frame({
              candidates: [{ content: { role: 'model', parts: [] }, finishReason: toGeminiFinishReason(p.reason), index: 0 }],
              usageMetadata: toGeminiUsage(p.usage satisfies Usage),
            }),
          );
          return;
        case 'error':
          emit(encodeSseFrame(JSON.stringify(encodeGeminiError(p.error).body)));
          return;
        default:
          return; // text-start / reasoning-start have no Gemini frame of their own
      }
    },
    end() {},
  };
}

function parseArgs(json: string): unknown {
  if (!json) return {};
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return { _raw: json };
  }
}
