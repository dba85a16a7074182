/**
 * CanonicalRequest → Chat Completions body for an OpenAI-compatible upstream (used when a
 * client of another dialect, e.g. Claude Code, is routed to an OpenAI upstream).
 * What OpenAI Chat cannot take is dropped on purpose: reasoning parts (it never accepts them
 * back), cache_control breakpoints, images inside tool results (noted in the text instead).
 */
import type { CanonicalMessage, CanonicalRequest, CanonicalTool, ImagePart, TextPart, ToolChoice, ToolResultPart } from '../../../canonical/form.ts';
import { derived, isShared } from '../../../canonical/repeats.ts';
import { keepJsonBytes } from '../../../util/json-bytes.ts';
import { imagePartToUrl } from './image-url.ts';

/** Stands in for an image a tool returned: OpenAI tool messages carry text only. */
export const TOOL_IMAGE_NOTE = '[image omitted: OpenAI tool messages accept text only]';

type OpenAIContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export function encodeOpenAIRequest(req: CanonicalRequest, upstreamModel: string): Record<string, unknown> {
  const messages: OpenAIMessage[] = [];
  if (req.system.length > 0) messages.push(derived(systemOfShared, req.system, encodeSystem));
  for (const m of req.messages) for (const encoded of derived(messagesOfShared, m, encodeKept)) messages.push(encoded);

  const body: Record<string, unknown> = { model: upstreamModel, messages };
  if (req.tools.length > 0) {
    body['tools'] = derived(toolsOfShared, req.tools, (tools) => keepJsonBytes(encodeTools(tools)));
    // OpenAI answers 400 to tool_choice / parallel_tool_calls sent without tools.
    if (req.toolChoice) body['tool_choice'] = encodeToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== undefined) body['parallel_tool_calls'] = req.parallelToolCalls;
  }
  if (req.maxTokens !== undefined) body['max_tokens'] = req.maxTokens;
  if (req.temperature !== undefined) body['temperature'] = req.temperature;
  if (req.topP !== undefined) body['top_p'] = req.topP;
  if (req.stopSequences && req.stopSequences.length > 0) body['stop'] = req.stopSequences;
  if (req.reasoning?.effort) body['reasoning_effort'] = req.reasoning.effort;
  if (req.stream) {
    body['stream'] = true;
    // Without it an OpenAI stream carries no usage at all, and the call could not be costed.
    body['stream_options'] = { include_usage: true };
  }
  return body;
}

/** System prompts a client resends on every call, encoded (and serialised) once: canonical/repeats.ts. */
const systemOfShared = new WeakMap<readonly TextPart[], OpenAIMessage>();

function encodeSystem(system: readonly TextPart[]): OpenAIMessage {
  const message: OpenAIMessage = { role: 'system', content: system.map((p) => p.text).join('\n\n') };
  return isShared(system) ? keepJsonBytes(message) : message;
}

/** Tools a client resends on every call, encoded (and serialised) once: canonical/repeats.ts. */
const toolsOfShared = new WeakMap<readonly CanonicalTool[], unknown[]>();

function encodeTools(tools: readonly CanonicalTool[]): unknown[] {
  return tools.map((t) => {
    // Key by key, in the wire order (name, description, parameters): util/objects.ts.
    const fn: Record<string, unknown> = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    fn.parameters = t.parameters;
    return { type: 'function', function: fn };
  });
}

/**
 * Messages a client resends on every call (its conversation so far, canonical/repeats.ts):
 * encoded once, and kept as bytes that the body's serialisation copies (util/json-bytes.ts).
 */
const messagesOfShared = new WeakMap<CanonicalMessage, readonly OpenAIMessage[]>();

function encodeKept(m: CanonicalMessage): readonly OpenAIMessage[] {
  return isShared(m) ? encodeMessage(m).map((encoded) => keepJsonBytes(encoded)) : encodeMessage(m);
}

function encodeMessage(m: CanonicalMessage): OpenAIMessage[] {
  switch (m.role) {
    case 'tool':
      return m.content.map(encodeToolResult);
    case 'assistant': {
      const text = m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
      const toolCalls: OpenAIToolCall[] = m.content.flatMap((p) =>
        p.type === 'tool-call'
          ? [{ id: p.id, type: 'function' as const, function: { name: p.name, arguments: JSON.stringify(p.args ?? {}) } }]
          : [],
      );
      if (toolCalls.length > 0) return [{ role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls }];
      return [{ role: 'assistant', content: text }];
    }
    case 'user': {
      // Tool results inside a user turn (Anthropic's shape) must become role:'tool' messages,
      // and they go first: OpenAI wants them right after the assistant's tool_calls.
      const results = m.content.filter((p): p is ToolResultPart => p.type === 'tool-result');
      const rest = m.content.filter((p): p is TextPart | ImagePart => p.type !== 'tool-result');
      const out: OpenAIMessage[] = results.map(encodeToolResult);
      if (rest.length > 0) out.push({ role: 'user', content: encodeUserContent(rest) });
      return out;
    }
  }
}

function encodeUserContent(parts: Array<TextPart | ImagePart>): string | OpenAIContentPart[] {
  const only = parts[0];
  if (parts.length === 1 && only?.type === 'text') return only.text;
  return parts.map((p): OpenAIContentPart =>
    p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: { url: imagePartToUrl(p) } },
  );
}

function encodeToolResult(r: ToolResultPart): OpenAIMessage {
  const content = r.content.map((p) => (p.type === 'text' ? p.text : TOOL_IMAGE_NOTE)).join('\n');
  return { role: 'tool', tool_call_id: r.toolCallId, content };
}

function encodeToolChoice(choice: ToolChoice): unknown {
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.name } };
  return choice.type;
}
