/**
 * Taps a Gemini answer for the spend record without changing a byte: usage from
 * `usageMetadata` (a later frame's totals replace an earlier one's), first content, finish
 * reason and function calls, errors from `{error: {…}}` frames. For a Gemini-speaking upstream
 * passed through untranslated.
 */
import type { FinishReason, Usage } from '../../../canonical/form.ts';
import type { ProxyError } from '../../../canonical/errors.ts';
import { createSseReader } from '../common/sse.ts';
import { geminiStatus, generateContentResponse } from './gemini-api.ts';
import { decodeGeminiStatus } from './errors.ts';
import { fromGeminiFinishReason } from './finish-reason.ts';
import { fromGeminiUsage } from './usage.ts';

export interface GeminiTapHooks {
  onUsage(u: Partial<Usage>): void;
  onFirstContent(): void;
  onFinish(reason: FinishReason, toolCalls: number): void;
  onError(e: ProxyError): void;
}

interface Observed {
  usage?: Usage;
  finish?: FinishReason;
  toolCalls: number;
  content: boolean;
}

function observe(json: unknown, seen: Observed): ProxyError | undefined {
  const error = (json as { error?: unknown } | null)?.error;
  if (error !== undefined) {
    const s = geminiStatus.safeParse(error);
    return decodeGeminiStatus(s.success ? s.data : { message: 'upstream error' });
  }
  const r = generateContentResponse.safeParse(json);
  if (!r.success) return undefined;
  if (r.data.usageMetadata) seen.usage = fromGeminiUsage(r.data.usageMetadata);
  const candidate = r.data.candidates?.[0];
  for (const part of candidate?.content?.parts ?? []) {
    seen.content = true;
    if (part.functionCall) seen.toolCalls++;
  }
  if (candidate?.finishReason) seen.finish = fromGeminiFinishReason(candidate.finishReason, seen.toolCalls > 0);
  return undefined;
}

export function geminiJsonTap(json: unknown): { usage?: Usage; finish?: FinishReason; toolCalls: number } {
  const seen: Observed = { toolCalls: 0, content: false };
  observe(json, seen);
  return { toolCalls: seen.toolCalls, ...(seen.usage ? { usage: seen.usage } : {}), ...(seen.finish ? { finish: seen.finish } : {}) };
}

export function geminiSseTapCore(hooks: GeminiTapHooks): { push(b: Uint8Array): Uint8Array; end(): string } {
  const seen: Observed = { toolCalls: 0, content: false };
  let first = false;
  const reader = createSseReader((event) => {
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      return;
    }
    const error = observe(json, seen);
    if (error) hooks.onError(error);
    if (seen.usage) hooks.onUsage(seen.usage);
    if (seen.content && !first) {
      first = true;
      hooks.onFirstContent();
    }
  });
  return {
    push(bytes) {
      reader.feed(bytes);
      return bytes;
    },
    end() {
      reader.end();
      if (seen.finish) hooks.onFinish(seen.finish, seen.toolCalls);
      return '';
    },
  };
}
