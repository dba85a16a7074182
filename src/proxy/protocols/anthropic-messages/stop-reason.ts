/** Anthropic `stop_reason` ⇄ canonical finish reason. */
import type { FinishReason } from '../../../canonical/form.ts';

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export function fromAnthropicStopReason(stop: string | null | undefined): FinishReason {
  switch (stop) {
    case 'tool_use':
      return 'tool_use';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn, null
      return 'stop';
  }
}

/**
 * Canonical → the four reasons WIRE.md lists. `content_filter` and `error` have no faithful
 * counterpart in that list and become `end_turn` (the turn is over, nothing more follows).
 */
export function toAnthropicStopReason(finish: FinishReason, stopSequence?: string): AnthropicStopReason {
  switch (finish) {
    case 'tool_use':
      return 'tool_use';
    case 'length':
      return 'max_tokens';
    case 'stop':
      return stopSequence ? 'stop_sequence' : 'end_turn';
    default:
      return 'end_turn';
  }
}
