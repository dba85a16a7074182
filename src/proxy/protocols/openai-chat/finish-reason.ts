/** OpenAI `finish_reason` ⇄ canonical FinishReason. */
import type { FinishReason } from '../../../canonical/form.ts';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export function fromOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call': // the legacy single-function form
      return 'tool_use';
    case 'content_filter':
      return 'content_filter';
    case 'error': // some OpenAI-compatible servers (e.g. Gemini's endpoint, OpenRouter) send it
      return 'error';
    default:
      // 'stop', 'eos' (older vLLM/TGI) and anything unknown ended the turn normally.
      return 'stop';
  }
}

export function toOpenAIFinishReason(reason: FinishReason): OpenAIFinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      // OpenAI has no 'error' finish reason; a failed stream is reported by an error frame.
      return 'stop';
  }
}
