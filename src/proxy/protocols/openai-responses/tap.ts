/**
 * Taps a Responses API event stream from a Responses-speaking upstream (pass-through) for the
 * spend record, forwarding every byte unchanged: first content from the first delta or
 * function call, usage, finish and tool calls from the final `response.completed` /
 * `response.incomplete` / `response.failed` event, errors from `error` events.
 */
import { ProxyError, kindOfStatus } from '../../../canonical/errors.ts';
import type { FinishReason, Usage } from '../../../canonical/form.ts';
import { createSseReader } from '../common/sse.ts';
import { responsesJsonTap } from './response.ts';

export interface ResponsesTapHooks {
  onUsage(u: Partial<Usage>): void;
  onFirstContent(): void;
  onFinish(reason: FinishReason, toolCalls: number): void;
  onError(e: ProxyError): void;
}

const FIRST_CONTENT = new Set(['response.output_text.delta', 'response.function_call_arguments.delta', 'response.reasoning_summary_text.delta', 'response.reasoning_text.delta']);
const FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export function responsesSseTapCore(hooks: ResponsesTapHooks): { push(b: Uint8Array): Uint8Array; end(): string } {
  let first = false;
  const reader = createSseReader((event) => {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      return;
    }
    const type = typeof json.type === 'string' ? json.type : event.event;
    if (!type) return;
    if (!first && (FIRST_CONTENT.has(type) || (type === 'response.output_item.added' && (json.item as { type?: string } | undefined)?.type === 'function_call'))) {
      first = true;
      hooks.onFirstContent();
    }
    if (type === 'error') {
      const code = typeof json.code === 'string' ? json.code : 'upstream_error';
      const status = typeof json.status === 'number' ? json.status : 500;
      hooks.onError(new ProxyError(String(json.message ?? 'upstream stream error'), { code, kind: kindOfStatus(status) }));
    }
    if (FINAL.has(type)) {
      const tapped = responsesJsonTap(json.response);
      if (tapped.usage) hooks.onUsage(tapped.usage);
      if (tapped.finish) hooks.onFinish(tapped.finish, tapped.toolCalls);
    }
  });
  return {
    push(bytes) {
      reader.feed(bytes);
      return bytes;
    },
    end() {
      reader.end();
      return '';
    },
  };
}
