/**
 * A client's Chat Completions request body → CanonicalRequest. Validation failures become
 * ProxyError `invalid_request` with a message naming the field, e.g.
 * `messages[2].role: expected one of system, developer, user, assistant, tool (received "bot")`.
 */
import type {
  AssistantPart,
  CanonicalMessage,
  CanonicalRequest,
  CanonicalTool,
  TextPart,
  ToolChoice,
  ToolResultPart,
  UserPart,
} from '../../../canonical/form.ts';
import { ProxyError } from '../../../canonical/errors.ts';
import { imagePartFromUrl } from './image-url.ts';
import { ChatRequestSchema, type ChatMessage, type ChatRequest } from './schema.ts';
import { describeZodError } from './validation-message.ts';

export function invalidRequest(message: string, param?: string): ProxyError {
  return new ProxyError(message, {
    code: 'invalid_request',
    kind: 'invalid_request',
    ...(param ? { context: { param } } : {}),
  });
}

export function decodeOpenAIRequest(body: unknown): CanonicalRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('request body must be a JSON object');
  }
  const parsed = ChatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const { message, param } = describeZodError(parsed.error, body);
    throw invalidRequest(message, param);
  }
  const req = parsed.data;
  if (req.n !== null && req.n !== undefined && req.n !== 1) {
    throw invalidRequest(`n: only n=1 is supported (received ${req.n})`, 'n');
  }

  const { system, messages } = decodeMessages(req.messages);
  const tools: CanonicalTool[] = (req.tools ?? []).map((t) => ({
    name: t.function.name,
    parameters: t.function.parameters ?? { type: 'object', properties: {} },
    ...(t.function.description !== undefined ? { description: t.function.description } : {}),
  }));
  const toolChoice = decodeToolChoice(req.tool_choice);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  const effort = decodeEffort(req.reasoning_effort);

  return {
    model: req.model,
    system,
    messages,
    tools,
    stream: req.stream === true,
    sourceDialect: 'openai',
    raw: body as Record<string, unknown>,
    ...(toolChoice ? { toolChoice } : {}),
    ...(typeof req.parallel_tool_calls === 'boolean' ? { parallelToolCalls: req.parallel_tool_calls } : {}),
    ...(typeof maxTokens === 'number' ? { maxTokens } : {}),
    ...(typeof req.temperature === 'number' ? { temperature: req.temperature } : {}),
    ...(typeof req.top_p === 'number' ? { topP: req.top_p } : {}),
    ...(req.stop !== null && req.stop !== undefined
      ? { stopSequences: typeof req.stop === 'string' ? [req.stop] : req.stop }
      : {}),
    ...(effort ? { reasoning: { effort } } : {}),
  };
}

function decodeMessages(input: ChatMessage[]): { system: TextPart[]; messages: CanonicalMessage[] } {
  const system: TextPart[] = [];
  const messages: CanonicalMessage[] = [];
  /** Tool names by call id, so tool results can carry the name (Gemini needs it). */
  const toolNames = new Map<string, string>();

  input.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        // Canonical requests have one system prompt: system messages anywhere join it, in order.
        system.push(...textParts(m.content));
        break;
      case 'user':
        messages.push({ role: 'user', content: userParts(m.content, i) });
        break;
      case 'assistant': {
        const content = assistantParts(m, i);
        for (const p of content) if (p.type === 'tool-call') toolNames.set(p.id, p.name);
        messages.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        const name = toolNames.get(m.tool_call_id);
        const result: ToolResultPart = {
          type: 'tool-result',
          toolCallId: m.tool_call_id,
          content: textParts(m.content),
          ...(name !== undefined ? { name } : {}),
        };
        // Consecutive tool messages answer one assistant turn: one canonical tool message.
        const last = messages[messages.length - 1];
        if (last?.role === 'tool') last.content.push(result);
        else messages.push({ role: 'tool', content: [result] });
        break;
      }
    }
  });
  return { system, messages };
}

function textParts(content: string | Array<{ text: string }>): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((p) => ({ type: 'text', text: p.text }));
}

function userParts(content: Extract<ChatMessage, { role: 'user' }>['content'], i: number): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((p, j): UserPart => {
    const where = `messages[${i}].content[${j}]`;
    switch (p.type) {
      case 'text':
        return { type: 'text', text: p.text };
      case 'image_url': {
        const image = imagePartFromUrl(p.image_url.url);
        if (!image) throw invalidRequest(`${where}.image_url.url: malformed data: URL`, `${where}.image_url.url`);
        return image;
      }
      default:
        throw invalidRequest(`${where}.type: content part "${p.type}" is not supported by this proxy`, `${where}.type`);
    }
  });
}

function assistantParts(m: Extract<ChatMessage, { role: 'assistant' }>, i: number): AssistantPart[] {
  const parts: AssistantPart[] = [];
  if (m.reasoning_content) parts.push({ type: 'reasoning', text: m.reasoning_content });
  if (typeof m.content === 'string') {
    if (m.content !== '') parts.push({ type: 'text', text: m.content });
  } else if (m.content) {
    for (const p of m.content) {
      const text = p.type === 'text' ? p.text : p.refusal;
      if (text !== '') parts.push({ type: 'text', text });
    }
  }
  (m.tool_calls ?? []).forEach((call, j) => {
    parts.push({ type: 'tool-call', id: call.id, name: call.function.name, args: parseArguments(call, i, j) });
  });
  return parts;
}

function parseArguments(call: { id: string; function: { name: string; arguments: string } }, i: number, j: number): unknown {
  const text = call.function.arguments;
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    const param = `messages[${i}].tool_calls[${j}].function.arguments`;
    throw invalidRequest(
      `${param}: tool call "${call.id}" (${call.function.name}) has arguments that are not valid JSON`,
      param,
    );
  }
}

function decodeToolChoice(choice: ChatRequest['tool_choice']): ToolChoice | undefined {
  if (choice === null || choice === undefined) return undefined;
  if (typeof choice === 'string') return { type: choice };
  return { type: 'tool', name: choice.function.name };
}

/**
 * OpenAI's effort scale is wider than the canonical one: `minimal` → low, `xhigh` → high,
 * `none` (and anything unknown) → no reasoning requested.
 */
function decodeEffort(effort: string | null | undefined): 'low' | 'medium' | 'high' | undefined {
  switch (effort) {
    case 'minimal':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
    case 'xhigh':
      return 'high';
    default:
      return undefined;
  }
}
