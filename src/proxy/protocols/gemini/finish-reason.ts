/** Gemini `finishReason` ⇄ canonical finish reason. */
import type { FinishReason } from '../../../canonical/form.ts';

const CONTENT_FILTER = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/**
 * `sawToolCall`: Gemini says STOP after a functionCall; callers expect tool_use then.
 * MALFORMED_FUNCTION_CALL / UNEXPECTED_TOOL_CALL mean the model's tool call was unusable: 'error'.
 */
export function fromGeminiFinishReason(reason: string | undefined, sawToolCall: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && CONTENT_FILTER.has(reason)) return 'content_filter';
  if (reason === 'MALFORMED_FUNCTION_CALL' || reason === 'UNEXPECTED_TOOL_CALL') return 'error';
  return sawToolCall ? 'tool_use' : 'stop';
}

export function toGeminiFinishReason(finish: FinishReason): string {
  switch (finish) {
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    case 'error':
      return 'MALFORMED_FUNCTION_CALL';
    default:
      return 'STOP';
  }
}
