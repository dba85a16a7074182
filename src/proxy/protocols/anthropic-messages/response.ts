/** Anthropic Messages response body ⇄ CanonicalResponse (non-streaming calls). */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ProxyError } from '../../../canonical/errors.ts';
import type { AssistantPart, CanonicalResponse } from '../../../canonical/form.ts';
import { messagesResponse } from './anthropic-api.ts';
import { anthropicToolId } from './encode-request.ts';
import { fromAnthropicStopReason, toAnthropicStopReason } from './stop-reason.ts';
import { fromAnthropicUsage, toAnthropicUsage } from './usage.ts';

export function decodeAnthropicResponse(body: unknown): CanonicalResponse {
  const parsed = messagesResponse.safeParse(body);
  if (!parsed.success) {
    throw new ProxyError(`upstream sent an invalid Anthropic message: ${z.prettifyError(parsed.error)}`, {
      code: 'upstream_invalid_response',
      kind: 'bad_gateway',
      retryable: true,
    });
  }
  const r = parsed.data;
  const content: AssistantPart[] = [];
  for (const b of r.content) {
    if (b.type === 'text' && typeof b.text === 'string') content.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string') {
      content.push({ type: 'tool-call', id: b.id, name: b.name, args: b.input ?? {} });
    } else if (b.type === 'thinking' && typeof b.thinking === 'string') {
      content.push({
        type: 'reasoning',
        text: b.thinking,
        ...(typeof b.signature === 'string' && b.signature ? { signature: b.signature } : {}),
      });
    } else if (b.type === 'redacted_thinking' && typeof b.data === 'string') {
      content.push({ type: 'reasoning', text: '', redacted: b.data });
    }
    // Server-tool blocks (server_tool_use, web_search_tool_result …) have no canonical form.
  }
  return {
    id: r.id,
    model: r.model ?? '',
    content,
    finish: fromAnthropicStopReason(r.stop_reason),
    usage: fromAnthropicUsage(r.usage),
    ...(r.stop_sequence ? { stopSequence: r.stop_sequence } : {}),
  };
}

export function encodeAnthropicResponse(res: CanonicalResponse, model: string): Record<string, unknown> {
  const content = res.content.flatMap((p): Record<string, unknown>[] => {
    switch (p.type) {
      case 'text':
        return [{ type: 'text', text: p.text }];
      case 'tool-call':
        return [{ type: 'tool_use', id: anthropicToolId(p.id), name: p.name, input: p.args ?? {} }];
      case 'reasoning':
        if (p.redacted) return [{ type: 'redacted_thinking', data: p.redacted }];
        return [{ type: 'thinking', thinking: p.text, signature: p.signature ?? '' }];
    }
  });
  const hasToolUse = res.content.some((p) => p.type === 'tool-call');
  const finish = res.finish === 'stop' && hasToolUse ? 'tool_use' : res.finish;
  const stopReason = toAnthropicStopReason(finish, res.stopSequence);
  return {
    id: messageId(res.id),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? (res.stopSequence ?? null) : null,
    usage: toAnthropicUsage(res.usage),
  };
}

/** Anthropic message ids look like `msg_…`; keep upstream ids, prefixed when foreign. */
export function messageId(id: string): string {
  if (id.startsWith('msg_')) return id;
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, '');
  // Claude Code merges assistant messages that share an id into one turn, so an upstream
  // that gives none (Gemini without responseId) must still get a unique id per response.
  return `msg_${clean || randomBytes(12).toString('hex')}`;
}
