/** An upstream's non-streaming chat.completion → CanonicalResponse. */
import type { AssistantPart, CanonicalResponse } from '../../../canonical/form.ts';
import { ProxyError } from '../../../canonical/errors.ts';
import { fromOpenAIFinishReason } from './finish-reason.ts';
import { asChatResponse, ChatResponseSchema, type ChatResponse } from './schema.ts';
import { fromOpenAIUsage } from './usage.ts';
import { describeZodError } from './validation-message.ts';

/** The schema's verdict on an answer the guard refused: its message, or (should they ever disagree) its data. */
function schemaVerdict(json: unknown): ChatResponse {
  const parsed = ChatResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw badUpstream(`upstream chat.completion is malformed: ${describeZodError(parsed.error, json).message}`);
  }
  return parsed.data;
}

export function decodeOpenAIResponse(json: unknown): CanonicalResponse {
  const res = asChatResponse(json) ?? schemaVerdict(json);
  const choice = res.choices[0];
  if (!choice) throw badUpstream('upstream chat.completion has no choices');

  const m = choice.message;
  const content: AssistantPart[] = [];
  const reasoning = m.reasoning_content ?? m.reasoning;
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  if (m.content) content.push({ type: 'text', text: m.content });
  else if (m.refusal) content.push({ type: 'text', text: m.refusal });
  (m.tool_calls ?? []).forEach((call, i) => {
    content.push({
      type: 'tool-call',
      id: call.id || `call_${i}`,
      name: call.function.name,
      args: parseArgs(call.function.arguments ?? ''),
    });
  });

  return {
    id: res.id ?? '',
    model: res.model ?? '',
    content,
    finish: fromOpenAIFinishReason(choice.finish_reason),
    usage: fromOpenAIUsage(res.usage),
  };
}

/** Same convention as canonical collectStream: unparsable upstream arguments kept as `_raw`. */
function parseArgs(json: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    return { _raw: json };
  }
}

function badUpstream(message: string): ProxyError {
  return new ProxyError(message, { code: 'upstream_invalid_response', kind: 'bad_gateway' });
}
