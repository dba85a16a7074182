/** CanonicalResponse ⇄ a Responses API `response` object (non-streamed answers, and the final stream event). */
import { randomBytes } from 'node:crypto';
import type { AssistantPart, CanonicalResponse, FinishReason, Usage } from '../../../canonical/form.ts';
import { fromResponsesUsage, toResponsesUsage } from './usage.ts';

type Json = Record<string, unknown>;

export const responsesId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;

/** One output item of a finished response. */
export function outputItem(part: AssistantPart, id: string): Json {
  switch (part.type) {
    case 'text':
      return { type: 'message', id, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: part.text, annotations: [], logprobs: [] }] };
    case 'tool-call':
      return { type: 'function_call', id, call_id: part.id, name: part.name, arguments: JSON.stringify(part.args ?? {}), status: 'completed' };
    case 'reasoning':
      return { type: 'reasoning', id, summary: part.text ? [{ type: 'summary_text', text: part.text }] : [], ...(part.redacted ? { encrypted_content: part.redacted } : {}) };
  }
}

export function itemPrefix(part: AssistantPart['type']): string {
  return part === 'text' ? 'msg' : part === 'tool-call' ? 'fc' : 'rs';
}

/** `status` and `incomplete_details` of a response that finished this way. */
export function statusOf(finish: FinishReason): { status: 'completed' | 'incomplete' | 'failed'; incomplete_details: Json | null } {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  if (finish === 'error') return { status: 'failed', incomplete_details: null };
  return { status: 'completed', incomplete_details: null };
}

export function responseObject(o: { id: string; model: string; createdAt: number; output: Json[]; status: string; incomplete_details?: Json | null; usage?: Usage; request?: Json }): Json {
  return {
    id: o.id,
    object: 'response',
    created_at: o.createdAt,
    status: o.status,
    error: null,
    incomplete_details: o.incomplete_details ?? null,
    instructions: o.request?.instructions ?? null,
    max_output_tokens: o.request?.max_output_tokens ?? null,
    model: o.model,
    output: o.output,
    parallel_tool_calls: o.request?.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: o.request?.temperature ?? null,
    text: { format: { type: 'text' } },
    tool_choice: o.request?.tool_choice ?? 'auto',
    tools: o.request?.tools ?? [],
    top_p: o.request?.top_p ?? null,
    truncation: 'disabled',
    usage: o.usage ? toResponsesUsage(o.usage) : null,
    metadata: {},
  };
}

export function encodeResponsesResponse(res: CanonicalResponse, alias: string, request?: Json): Json {
  return responseObject({
    id: responsesId('resp'),
    model: alias,
    createdAt: Math.floor(Date.now() / 1000),
    output: res.content.map((p) => outputItem(p, responsesId(itemPrefix(p.type)))),
    usage: res.usage,
    ...statusOf(res.finish),
    ...(request ? { request } : {}),
  });
}

/** What the spend record needs from a response object (a pass-through answer or `response.completed`). */
export function responsesJsonTap(json: unknown): { usage?: Usage; finish?: FinishReason; toolCalls: number } {
  const r = (json ?? {}) as Json;
  const output = Array.isArray(r.output) ? (r.output as Json[]) : [];
  const toolCalls = output.filter((i) => i?.type === 'function_call' || i?.type === 'custom_tool_call').length;
  const usage = fromResponsesUsage(r.usage);
  const reason = (r.incomplete_details as Json | null | undefined)?.reason;
  const finish: FinishReason | undefined =
    r.status === 'failed' ? 'error' : r.status === 'incomplete' ? (reason === 'content_filter' ? 'content_filter' : 'length') : r.status === 'completed' ? (toolCalls ? 'tool_use' : 'stop') : undefined;
  return { toolCalls, ...(usage ? { usage } : {}), ...(finish ? { finish } : {}) };
}
