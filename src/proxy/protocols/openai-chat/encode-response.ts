/** CanonicalResponse → a chat.completion object for an OpenAI client. */
import type { CanonicalResponse } from '../../../canonical/form.ts';
import { toOpenAIFinishReason, type OpenAIFinishReason } from './finish-reason.ts';
import { chatCompletionId, nowSeconds } from './ids.ts';
import { toOpenAIUsage, type OpenAIUsage } from './usage.ts';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: null;
      tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
      /** The reasoning text, as DeepSeek/vLLM-style servers return it. */
      reasoning_content?: string;
    };
    logprobs: null;
    finish_reason: OpenAIFinishReason;
  }>;
  usage: OpenAIUsage;
}

/** `model` is the name the client asked for (the alias), not the upstream's. */
export function encodeOpenAIResponse(res: CanonicalResponse, model: string, opts: { created?: number } = {}): ChatCompletion {
  let text = '';
  let reasoning = '';
  const toolCalls: NonNullable<ChatCompletion['choices'][0]['message']['tool_calls']> = [];
  for (const p of res.content) {
    if (p.type === 'text') text += p.text;
    else if (p.type === 'reasoning') reasoning += p.text;
    else toolCalls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: JSON.stringify(p.args ?? {}) } });
  }
  const onlyToolCalls = text === '' && toolCalls.length > 0;
  return {
    id: chatCompletionId(res.id),
    object: 'chat.completion',
    created: opts.created ?? nowSeconds(),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: onlyToolCalls ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning !== '' ? { reasoning_content: reasoning } : {}),
        },
        logprobs: null,
        finish_reason: toOpenAIFinishReason(res.finish),
      },
    ],
    usage: toOpenAIUsage(res.usage),
  };
}
