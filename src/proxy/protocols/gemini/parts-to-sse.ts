/**
 * Canonical StreamParts → a `streamGenerateContent?alt=sse` stream. agentab serves no Gemini
 * surface; this exists so fake Gemini upstreams (tests, the lead's end-to-end runs) and the
 * round-trip property tests speak the real format. A functionCall is sent whole (Gemini
 * never splits one), so a tool call's argument pieces are held until its block ends.
 */
import type { ErrorKind } from '../../../canonical/errors.ts';
import type { StreamPart, Usage } from '../../../canonical/form.ts';
import { encodeSseFrame } from '../common/sse.ts';
import { toGeminiFinishReason } from './finish-reason.ts';
import { toGeminiUsage } from './usage.ts';

const STATUS_OF_KIND: Partial<Record<ErrorKind, string>> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  rate_limit: 'RESOURCE_EXHAUSTED',
  unavailable: 'UNAVAILABLE',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
};

export function partsToGeminiSse(opts: { model?: string } = {}): TransformStream<StreamPart, Uint8Array> {
  let responseId: string | undefined;
  let model = opts.model;
  const calls = new Map<number, { name: string; args: string; signature?: string }>();
  const frame = (body: Record<string, unknown>) =>
    encodeSseFrame(JSON.stringify({ ...body, ...(model ? { modelVersion: model } : {}), ...(responseId ? { responseId } : {}) }));
  const content = (part: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    frame({ candidates: [{ content: { role: 'model', parts: [part] }, index: 0, ...extra }] });

  return new TransformStream<StreamPart, Uint8Array>({
    transform(p, c) {
      switch (p.type) {
        case 'message-start':
          responseId = p.id || undefined;
          model = opts.model ?? (p.model || undefined);
          if (p.usage) c.enqueue(frame({ usageMetadata: toGeminiUsage(p.usage) }));
          return;
        case 'text-delta':
          if (p.text) c.enqueue(content({ text: p.text }));
          return;
        case 'reasoning-delta':
          if (p.text || p.signature) {
            c.enqueue(content({ text: p.text, thought: true, ...(p.signature ? { thoughtSignature: p.signature } : {}) }));
          }
          return;
        case 'tool-call-start':
          calls.set(p.index, { name: p.name, args: '', ...(p.signature ? { signature: p.signature } : {}) });
          return;
        case 'tool-call-delta': {
          const call = calls.get(p.index);
          if (call) call.args += p.argsJson;
          return;
        }
        case 'block-end': {
          const call = calls.get(p.index);
          if (!call) return;
          calls.delete(p.index);
          c.enqueue(
            content({
              functionCall: { name: call.name, args: parseArgs(call.args) },
              ...(call.signature ? { thoughtSignature: call.signature } : {}),
            }),
          );
          return;
        }
        case 'usage':
          c.enqueue(frame({ usageMetadata: toGeminiUsage(p.usage) }));
          return;
        case 'finish':
          c.enqueue(
            frame({
              candidates: [{ content: { role: 'model', parts: [] }, finishReason: toGeminiFinishReason(p.reason), index: 0 }],
              usageMetadata: toGeminiUsage(p.usage satisfies Usage),
            }),
          );
          return;
        case 'error':
          c.enqueue(
            encodeSseFrame(
              JSON.stringify({
                error: { code: p.error.status, message: p.error.message, status: STATUS_OF_KIND[p.error.kind] ?? 'INTERNAL' },
              }),
            ),
          );
          return;
        default:
          return; // text-start / reasoning-start have no Gemini frame of their own
      }
    },
  });
}

function parseArgs(json: string): unknown {
  if (!json) return {};
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return { _raw: json };
  }
}
