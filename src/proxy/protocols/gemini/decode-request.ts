/**
 * A Gemini `generateContent` request body (what @google/genai and Gemini CLI send) → the
 * canonical request. The model comes from the URL path, not the body. Gemini gives tool calls
 * no ids (or optional ones), so each call gets a deterministic id from its position, and each
 * functionResponse is paired with the earliest unanswered call of the same name.
 */
import { ProxyError } from '../../../canonical/errors.ts';
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
import { withSignature } from './tool-call-id.ts';

type Json = Record<string, unknown>;

const invalid = (field: string, problem: string) =>
  new ProxyError(`${field}: ${problem}`, { code: 'invalid_request', kind: 'invalid_request' });

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textParts(content: unknown): TextPart[] {
  if (!isObject(content) || !Array.isArray(content.parts)) return [];
  return content.parts.filter((p): p is Json => isObject(p) && typeof p.text === 'string' && p.thought !== true).map((p) => ({ type: 'text', text: p.text as string }));
}

function responseText(response: unknown): string {
  if (isObject(response) && Object.keys(response).length === 1) {
    const only = response.output ?? response.result ?? response.content;
    if (typeof only === 'string') return only;
  }
  return JSON.stringify(response ?? {});
}

function toolsOf(tools: unknown): CanonicalTool[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw invalid('tools', 'must be an array');
  const out: CanonicalTool[] = [];
  tools.forEach((t, i) => {
    if (!isObject(t) || !Array.isArray(t.functionDeclarations)) return; // googleSearch, codeExecution…: not translatable
    t.functionDeclarations.forEach((d, j) => {
      if (!isObject(d) || typeof d.name !== 'string') throw invalid(`tools[${i}].functionDeclarations[${j}].name`, 'required');
      const schema = (d.parametersJsonSchema ?? d.parameters) as Json | undefined;
      out.push({
        name: d.name,
        parameters: isObject(schema) ? lowerCaseTypes(schema) : { type: 'object', properties: {} },
        ...(typeof d.description === 'string' ? { description: d.description } : {}),
      });
    });
  });
  return out;
}

/** Gemini's OpenAPI-style schemas spell types in upper case (`OBJECT`); JSON Schema uses lower case. */
function lowerCaseTypes(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(lowerCaseTypes) as unknown as Json;
  if (!isObject(schema)) return schema as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'type' && typeof v === 'string' ? v.toLowerCase() : isObject(v) || Array.isArray(v) ? lowerCaseTypes(v) : v;
  }
  return out;
}

function toolChoiceOf(config: unknown): ToolChoice | undefined {
  const fc = isObject(config) ? config.functionCallingConfig : undefined;
  if (!isObject(fc) || typeof fc.mode !== 'string') return undefined;
  const allowed = Array.isArray(fc.allowedFunctionNames) ? fc.allowedFunctionNames : [];
  switch (fc.mode.toUpperCase()) {
    case 'NONE':
      return { type: 'none' };
    case 'ANY':
      return allowed.length === 1 && typeof allowed[0] === 'string' ? { type: 'tool', name: allowed[0] } : { type: 'required' };
    default:
      return { type: 'auto' };
  }
}

export function decodeGeminiRequest(body: Json, model: string, stream: boolean): CanonicalRequest {
  if (!Array.isArray(body.contents)) throw invalid('contents', 'required (an array of {role, parts})');
  const messages: CanonicalMessage[] = [];
  /** Calls not answered yet: name → ids in order. */
  const pending = new Map<string, string[]>();
  let calls = 0;
  body.contents.forEach((c, i) => {
    if (!isObject(c) || !Array.isArray(c.parts)) throw invalid(`contents[${i}].parts`, 'required (an array)');
    const role = c.role === 'model' ? 'model' : 'user';
    if (role === 'model') {
      const content: AssistantPart[] = [];
      c.parts.forEach((p) => {
        if (!isObject(p)) return;
        const signature = typeof p.thoughtSignature === 'string' ? p.thoughtSignature : undefined;
        if (isObject(p.functionCall) && typeof p.functionCall.name === 'string') {
          const name = p.functionCall.name;
          const base = typeof p.functionCall.id === 'string' && p.functionCall.id ? p.functionCall.id : `call_${calls}`;
          calls++;
          const id = withSignature(base, signature);
          pending.set(name, [...(pending.get(name) ?? []), id]);
          content.push({ type: 'tool-call', id, name, args: p.functionCall.args ?? {}, ...(signature ? { signature } : {}) });
        } else if (typeof p.text === 'string') {
          content.push(p.thought === true ? { type: 'reasoning', text: p.text, ...(signature ? { signature } : {}) } : { type: 'text', text: p.text });
        }
      });
      messages.push({ role: 'assistant', content });
      return;
    }
    const results: ToolResultPart[] = [];
    const user: UserPart[] = [];
    c.parts.forEach((p, j) => {
      if (!isObject(p)) return;
      if (isObject(p.functionResponse)) {
        const name = typeof p.functionResponse.name === 'string' ? p.functionResponse.name : '';
        const queue = pending.get(name) ?? [];
        const given = typeof p.functionResponse.id === 'string' ? p.functionResponse.id : undefined;
        const id = (given && queue.find((q) => q === given || q.startsWith(`${given}__`))) ?? queue[0] ?? given ?? `call_unmatched_${i}_${j}`;
        pending.set(name, queue.filter((q) => q !== id));
        results.push({ type: 'tool-result', toolCallId: id, name, content: [{ type: 'text', text: responseText(p.functionResponse.response) }] });
      } else if (typeof p.text === 'string') user.push({ type: 'text', text: p.text });
      else if (isObject(p.inlineData) && typeof p.inlineData.data === 'string') {
        user.push({ type: 'image', mediaType: String(p.inlineData.mimeType ?? 'application/octet-stream'), data: p.inlineData.data });
      }
    });
    if (results.length) messages.push({ role: 'tool', content: results });
    if (user.length) messages.push({ role: 'user', content: user });
  });
  const gen = isObject(body.generationConfig) ? body.generationConfig : {};
  const thinking = isObject(gen.thinkingConfig) ? gen.thinkingConfig : undefined;
  return {
    model,
    system: textParts(body.systemInstruction),
    messages,
    tools: toolsOf(body.tools),
    stream,
    sourceDialect: 'gemini',
    raw: body,
    ...(toolChoiceOf(body.toolConfig) ? { toolChoice: toolChoiceOf(body.toolConfig)! } : {}),
    ...(typeof gen.maxOutputTokens === 'number' ? { maxTokens: gen.maxOutputTokens } : {}),
    ...(typeof gen.temperature === 'number' ? { temperature: gen.temperature } : {}),
    ...(typeof gen.topP === 'number' ? { topP: gen.topP } : {}),
    ...(Array.isArray(gen.stopSequences) ? { stopSequences: gen.stopSequences.filter((s): s is string => typeof s === 'string') } : {}),
    ...(thinking && typeof thinking.thinkingBudget === 'number' && thinking.thinkingBudget > 0 ? { reasoning: { budgetTokens: thinking.thinkingBudget } } : {}),
  };
}

const STATUS_OF_KIND: Record<string, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  request_too_large: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  unavailable: 'UNAVAILABLE',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  client_closed: 'CANCELLED',
};

/** A ProxyError in Gemini's error shape: `{error: {code, message, status}}`. */
export function encodeGeminiError(e: ProxyError): { status: number; body: { error: { code: number; message: string; status: string } } } {
  return { status: e.status, body: { error: { code: e.status, message: e.message, status: STATUS_OF_KIND[e.kind] ?? 'INTERNAL' } } };
}
