/**
 * An OpenAI Responses API request (`POST /v1/responses`, what the `openai` SDK's
 * `responses.create` and Codex CLI send) → the canonical request.
 *
 * `input` is a string or a list of items. Consecutive model-side items (an assistant message,
 * reasoning, function calls) form ONE assistant turn, as the model produced them together;
 * `function_call_output` items become tool results. System and developer messages join the
 * system prompt. Tools other than `function` (web_search, namespaces of hosted tools) cannot
 * be called through another backend and are left out, with a debug line.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import type {
  AssistantPart,
  CanonicalMessage,
  CanonicalRequest,
  CanonicalTool,
  ImagePart,
  TextPart,
  ToolChoice,
  ToolResultPart,
} from '../../../canonical/form.ts';

type Json = Record<string, unknown>;

export interface DecodeResponsesOptions {
  warn?: (message: string) => void;
}

const invalid = (field: string, problem: string) =>
  new ProxyError(`${field}: ${problem}`, { code: 'invalid_request', kind: 'invalid_request' });

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function contentParts(content: unknown, field: string): Array<TextPart | ImagePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(field, 'must be a string or an array of content parts');
  const out: Array<TextPart | ImagePart> = [];
  content.forEach((p, i) => {
    if (!isObject(p)) throw invalid(`${field}[${i}]`, 'must be an object');
    if ((p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') && typeof p.text === 'string') out.push({ type: 'text', text: p.text });
    else if (p.type === 'refusal' && typeof p.refusal === 'string') out.push({ type: 'text', text: p.refusal });
    else if (p.type === 'input_image' && typeof p.image_url === 'string') {
      const m = /^data:([^;]+);base64,(.*)$/s.exec(p.image_url);
      out.push(m ? { type: 'image', mediaType: m[1]!, data: m[2]! } : { type: 'image', mediaType: 'image/*', url: p.image_url });
    }
  });
  return out;
}

function argsOf(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

function toolsOf(tools: unknown, warn: (m: string) => void): CanonicalTool[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw invalid('tools', 'must be an array');
  const out: CanonicalTool[] = [];
  const skipped: string[] = [];
  tools.forEach((t, i) => {
    if (!isObject(t)) throw invalid(`tools[${i}]`, 'must be an object');
    if (t.type !== 'function') {
      skipped.push(String(t.type ?? 'untyped') + (typeof t.name === 'string' ? `:${t.name}` : ''));
      return;
    }
    if (typeof t.name !== 'string' || !t.name) throw invalid(`tools[${i}].name`, 'required');
    out.push({
      name: t.name,
      parameters: isObject(t.parameters) ? t.parameters : { type: 'object', properties: {} },
      ...(typeof t.description === 'string' ? { description: t.description } : {}),
    });
  });
  if (skipped.length) warn(`responses: tools without a function form left out: ${skipped.join(', ')}`);
  return out;
}

function toolChoiceOf(choice: unknown): ToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') return { type: 'tool', name: choice.name };
  return undefined;
}

export function decodeResponsesRequest(body: Json, o: DecodeResponsesOptions = {}): CanonicalRequest {
  const warn = o.warn ?? (() => {});
  const model = body.model;
  if (typeof model !== 'string' || !model) throw invalid('model', 'required (a string naming a model alias of this proxy)');
  if (typeof body.previous_response_id === 'string' && body.previous_response_id) {
    // Only a Responses upstream keeps conversations; translated, the earlier turns would silently vanish.
    throw invalid('previous_response_id', 'not supported by this deployment (agentab keeps no conversation state): send the whole conversation in `input`, with store: false');
  }
  const system: TextPart[] = typeof body.instructions === 'string' && body.instructions ? [{ type: 'text', text: body.instructions }] : [];
  const messages: CanonicalMessage[] = [];
  let assistant: AssistantPart[] | undefined;
  let results: ToolResultPart[] | undefined;
  const flush = () => {
    if (assistant?.length) messages.push({ role: 'assistant', content: assistant });
    if (results?.length) messages.push({ role: 'tool', content: results });
    assistant = undefined;
    results = undefined;
  };
  const modelSide = (part: AssistantPart) => {
    if (results) flush();
    (assistant ??= []).push(part);
  };
  const input = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : body.input;
  if (!Array.isArray(input)) throw invalid('input', 'required (a string or an array of input items)');
  input.forEach((item, i) => {
    const field = `input[${i}]`;
    if (!isObject(item)) throw invalid(field, 'must be an object');
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const parts = contentParts(item.content, `${field}.content`);
        if (item.role === 'assistant') {
          for (const p of parts) if (p.type === 'text') modelSide(p);
        } else if (item.role === 'system' || item.role === 'developer') {
          system.push(...parts.filter((p): p is TextPart => p.type === 'text'));
        } else if (item.role === 'user') {
          flush();
          messages.push({ role: 'user', content: parts });
        } else throw invalid(`${field}.role`, `expected user, assistant, system or developer, got ${JSON.stringify(item.role)}`);
        return;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const id = item.call_id ?? item.id;
        if (typeof id !== 'string' || typeof item.name !== 'string') throw invalid(field, 'a function_call needs call_id and name');
        modelSide({ type: 'tool-call', id, name: item.name, args: type === 'function_call' ? argsOf(item.arguments) : { input: item.input ?? '' } });
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        if (typeof item.call_id !== 'string') throw invalid(`${field}.call_id`, 'required');
        if (assistant) {
          messages.push({ role: 'assistant', content: assistant });
          assistant = undefined;
        }
        const out = item.output;
        const content = typeof out === 'string' ? [{ type: 'text' as const, text: out }] : Array.isArray(out) ? contentParts(out, `${field}.output`) : [{ type: 'text' as const, text: JSON.stringify(out ?? '') }];
        (results ??= []).push({ type: 'tool-result', toolCallId: item.call_id, content });
        return;
      }
      case 'reasoning': {
        const summary = Array.isArray(item.summary) ? item.summary.map((s) => (isObject(s) && typeof s.text === 'string' ? s.text : '')).join('\n') : '';
        modelSide({ type: 'reasoning', text: summary, ...(typeof item.encrypted_content === 'string' ? { redacted: item.encrypted_content } : {}) });
        return;
      }
      default:
        warn(`responses: input item of type ${JSON.stringify(type)} left out`);
    }
  });
  flush();
  const reasoning = isObject(body.reasoning) ? body.reasoning : undefined;
  const effort = reasoning?.effort;
  const toolChoice = toolChoiceOf(body.tool_choice);
  return {
    model,
    system,
    messages,
    tools: toolsOf(body.tools, warn),
    stream: body.stream === true,
    sourceDialect: 'openai-responses',
    raw: body,
    ...(toolChoice ? { toolChoice } : {}),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallelToolCalls: body.parallel_tool_calls } : {}),
    ...(typeof body.max_output_tokens === 'number' ? { maxTokens: body.max_output_tokens } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
    ...(effort === 'low' || effort === 'medium' || effort === 'high' ? { reasoning: { effort } } : {}),
  };
}
