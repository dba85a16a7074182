/** Gemini `generateContent` answer ⇄ CanonicalResponse (non-streaming calls, and fakes in tests). */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ProxyError } from '../../../canonical/errors.ts';
import type { AssistantPart, CanonicalResponse } from '../../../canonical/form.ts';
import { asGenerateContentResponse, generateContentResponse, type GenerateContentResponse } from './gemini-api.ts';
import { decodeGeminiStatus } from './errors.ts';
import { toGeminiFinishReason, fromGeminiFinishReason } from './finish-reason.ts';
import { baseToolCallId, geminiToolCallId, signatureFromToolCallId, withSignature } from './tool-call-id.ts';
import { toGeminiUsage, fromGeminiUsage } from './usage.ts';

/** The schema's verdict on an answer the guard refused: its message, or (should they ever disagree) its data. */
function schemaVerdict(body: unknown): GenerateContentResponse {
  const parsed = generateContentResponse.safeParse(body);
  if (!parsed.success) {
    throw new ProxyError(`upstream sent an invalid Gemini answer: ${z.prettifyError(parsed.error)}`, {
      code: 'upstream_invalid_response',
      kind: 'bad_gateway',
      retryable: true,
    });
  }
  return parsed.data;
}

export function decodeGeminiResponse(body: unknown, opts: { model?: string } = {}): CanonicalResponse {
  const r = asGenerateContentResponse(body) ?? schemaVerdict(body);
  if (r.error) throw decodeGeminiStatus(r.error);
  const candidate = r.candidates?.[0];
  const content: AssistantPart[] = [];
  let calls = 0;
  // As in the stream decoder: a fresh id when Gemini gives none; it seeds the tool-call ids.
  const id = r.responseId ?? `gemini_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  for (const p of candidate?.content?.parts ?? []) {
    const last = content.at(-1);
    if (p.functionCall) {
      const args = p.functionCall.args ?? {};
      const sig = p.thoughtSignature;
      const callId = p.functionCall.id ? withSignature(p.functionCall.id, sig) : geminiToolCallId(id, calls, sig);
      calls++;
      content.push({ type: 'tool-call', id: callId, name: p.functionCall.name, args, ...(sig ? { signature: sig } : {}) });
    } else if (typeof p.text === 'string' && p.thought) {
      if (last?.type === 'reasoning') {
        last.text += p.text;
        if (p.thoughtSignature) last.signature = (last.signature ?? '') + p.thoughtSignature;
      } else content.push({ type: 'reasoning', text: p.text, ...(p.thoughtSignature ? { signature: p.thoughtSignature } : {}) });
    } else if (typeof p.text === 'string' && p.text) {
      if (last?.type === 'text') last.text += p.text;
      else content.push({ type: 'text', text: p.text });
    }
  }
  const reason = r.promptFeedback?.blockReason ? 'SAFETY' : candidate?.finishReason;
  return {
    id,
    model: r.modelVersion ?? opts.model ?? '',
    content,
    finish: fromGeminiFinishReason(reason, calls > 0),
    usage: fromGeminiUsage(r.usageMetadata),
  };
}

/** CanonicalResponse → a Gemini answer body (for fake upstreams and round-trip tests). */
export function encodeGeminiResponse(res: CanonicalResponse): Record<string, unknown> {
  const parts = res.content.flatMap((p): Record<string, unknown>[] => {
    if (p.type === 'text') return [{ text: p.text }];
    if (p.type === 'reasoning') return [{ text: p.text, thought: true, ...(p.signature ? { thoughtSignature: p.signature } : {}) }];
    const sig = p.signature ?? signatureFromToolCallId(p.id);
    // The id goes out without the signature suffix (that travels as thoughtSignature); a client echoes it in its functionResponse.
    return [{ functionCall: { id: baseToolCallId(p.id), name: p.name, args: p.args ?? {} }, ...(sig ? { thoughtSignature: sig } : {}) }];
  });
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: toGeminiFinishReason(res.finish), index: 0 }],
    usageMetadata: toGeminiUsage(res.usage),
    ...(res.model ? { modelVersion: res.model } : {}),
    ...(res.id ? { responseId: res.id } : {}),
  };
}
