/**
 * CanonicalRequest → Gemini `generateContent` body (Vertex and the Gemini API take the same).
 *
 * - Roles: user → `user`, assistant → `model`, tool results → a `user` turn of functionResponse
 *   parts (merged with a following user message: Gemini wants one turn per side).
 * - Never sends cache_control (Gemini has no such field; breakpoints are simply dropped).
 * - Thinking from earlier turns: Gemini only takes thoughts back as signatures, so reasoning
 *   text is dropped and each functionCall gets its `thoughtSignature` back (from the part,
 *   or from the tool-call id it rode in, see tool-call-id.ts).
 */
import type {
  AssistantPart,
  CanonicalMessage,
  CanonicalRequest,
  CanonicalTool,
  ImagePart,
  TextPart,
  ToolResultPart,
} from '../../../canonical/form.ts';
import { derived, isShared } from '../../../canonical/repeats.ts';
import { keepJsonBytes } from '../../../util/json-bytes.ts';
import { cleanToolParameters } from './clean-schema.ts';
import { baseToolCallId, signatureFromToolCallId } from './tool-call-id.ts';

export interface EncodeGeminiOptions {
  warn?: (message: string) => void;
}

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

const EFFORT_BUDGET = { low: 1024, medium: 8192, high: 24576 } as const;
/** Gemini accepts at most this many stop sequences. */
const MAX_STOP_SEQUENCES = 5;

export function encodeGeminiRequest(req: CanonicalRequest, opts: EncodeGeminiOptions = {}): Record<string, unknown> {
  const warn = opts.warn ?? (() => {});
  const body: Record<string, unknown> = { contents: encodeContents(req.messages, warn) };
  const systemInstruction = derived(systemOfShared, req.system, encodeSystem);
  if (systemInstruction) body.systemInstruction = systemInstruction;
  if (req.tools.length) {
    body.tools = derived(toolsOfShared, req.tools, (tools) => keepJsonBytes(encodeTools(tools)));
    const toolConfig = encodeToolConfig(req);
    if (toolConfig) body.toolConfig = toolConfig;
  }
  const generationConfig = encodeGenerationConfig(req, warn);
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  return body;
}

/** System prompts a client resends on every call, encoded (and serialised) once: canonical/repeats.ts. */
const systemOfShared = new WeakMap<readonly TextPart[], { parts: Array<{ text: string }> } | null>();

function encodeSystem(system: readonly TextPart[]): { parts: Array<{ text: string }> } | null {
  const parts = system.filter((p) => p.text).map((p) => ({ text: p.text }));
  if (parts.length === 0) return null;
  return isShared(system) ? keepJsonBytes({ parts }) : { parts };
}

/** Tools a client resends on every call, encoded (and serialised) once: canonical/repeats.ts. */
const toolsOfShared = new WeakMap<readonly CanonicalTool[], unknown[]>();

function encodeTools(tools: readonly CanonicalTool[]): unknown[] {
  return [
    {
      functionDeclarations: tools.map((t) => {
        const parameters = cleanToolParameters(t.parameters);
        return {
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          ...(parameters ? { parameters } : {}),
        };
      }),
    },
  ];
}

/** The body of `:countTokens` (Vertex takes the prompt-shaping fields of generateContent). */
export function encodeGeminiCountTokensRequest(req: CanonicalRequest, opts: EncodeGeminiOptions = {}): Record<string, unknown> {
  const { contents, systemInstruction, tools } = encodeGeminiRequest(req, opts);
  return { contents, ...(systemInstruction ? { systemInstruction } : {}), ...(tools ? { tools } : {}) };
}

function encodeToolConfig(req: CanonicalRequest): Record<string, unknown> | undefined {
  const tc = req.toolChoice;
  if (!tc) return undefined;
  switch (tc.type) {
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [tc.name] } };
    default:
      return { functionCallingConfig: { mode: 'AUTO' } };
  }
}

function encodeGenerationConfig(req: CanonicalRequest, warn: (m: string) => void): Record<string, unknown> {
  const g: Record<string, unknown> = {};
  if (req.maxTokens !== undefined) g.maxOutputTokens = req.maxTokens;
  if (req.temperature !== undefined) g.temperature = req.temperature;
  if (req.topP !== undefined) g.topP = req.topP;
  if (req.stopSequences?.length) {
    if (req.stopSequences.length > MAX_STOP_SEQUENCES) warn(`kept the first ${MAX_STOP_SEQUENCES} stop sequences: Gemini takes no more`);
    g.stopSequences = req.stopSequences.slice(0, MAX_STOP_SEQUENCES);
  }
  if (req.reasoning) {
    const budget = req.reasoning.budgetTokens ?? (req.reasoning.effort ? EFFORT_BUDGET[req.reasoning.effort] : undefined);
    g.thinkingConfig = budget !== undefined ? { thinkingBudget: budget, includeThoughts: true } : { includeThoughts: true };
  }
  return g;
}

/** What one canonical message encodes to, for a message a client resends on every call (canonical/repeats.ts). */
interface EncodedMessage {
  /** Kept as bytes (util/json-bytes.ts) when it stands alone in `contents`; null when it has no parts. */
  readonly content: Content | null;
  /** Tool calls it made (id, name), for the names of later tool results. */
  readonly calls: ReadonlyArray<readonly [string, string]>;
  readonly droppedThoughts: boolean;
}

const encodedOfShared = new WeakMap<CanonicalMessage, EncodedMessage | false>();

/**
 * A shared message's encoding, made once; false when it cannot be kept: a tool result without
 * its own name takes it from earlier calls, and warnings must repeat on every request.
 */
function encodedOnce(m: CanonicalMessage): EncodedMessage | false {
  return derived(encodedOfShared, m, (message) => {
    if (message.role !== 'assistant' && message.content.some((p) => p.type === 'tool-result' && !p.name)) return false;
    let warned = false;
    const calls = new Map<string, string>();
    const encoded = encodeMessage(message, calls, () => {
      warned = true;
    });
    if (warned) return false;
    const content = encoded.content ? keepJsonBytes(encoded.content) : null;
    return { content, calls: [...calls], droppedThoughts: encoded.droppedThoughts };
  });
}

function encodeMessage(m: CanonicalMessage, names: Map<string, string>, warn: (m: string) => void): { content: Content | null; droppedThoughts: boolean } {
  let droppedThoughts = false;
  let role: Content['role'];
  let parts: Part[];
  if (m.role === 'assistant') {
    role = 'model';
    parts = [];
    for (const p of m.content) {
      if (p.type === 'reasoning') {
        droppedThoughts ||= !!(p.text || p.redacted);
        continue;
      }
      if (p.type === 'tool-call') names.set(p.id, p.name);
      parts.push(...encodeAssistantPart(p));
    }
  } else {
    role = 'user';
    parts = m.content.flatMap((p) => (p.type === 'tool-result' ? encodeToolResult(p, names, warn) : encodeUserPart(p)));
  }
  return { content: parts.length ? { role, parts } : null, droppedThoughts };
}

function encodeContents(messages: CanonicalMessage[], warn: (m: string) => void): Content[] {
  const out: Content[] = [];
  const names = new Map<string, string>(); // tool-call id → function name
  let droppedThoughts = false;
  for (const m of messages) {
    let content: Content | null;
    const kept = isShared(m) ? encodedOnce(m) : false;
    if (kept) {
      for (const [id, name] of kept.calls) names.set(id, name);
      droppedThoughts ||= kept.droppedThoughts;
      content = kept.content;
    } else {
      const encoded = encodeMessage(m, names, warn);
      droppedThoughts ||= encoded.droppedThoughts;
      content = encoded.content;
    }
    if (!content) continue;
    const last = out.at(-1);
    if (last?.role === content.role) {
      // functionResponse parts lead their turn, whatever order the merge met them in. New
      // arrays: either side may be a kept (frozen) encoding.
      const parts = [...last.parts, ...content.parts].sort((a, b) => Number('functionResponse' in b) - Number('functionResponse' in a));
      out[out.length - 1] = { role: content.role, parts };
    } else out.push(content);
  }
  if (droppedThoughts) warn('dropped thinking text from earlier turns: Gemini takes thoughts back only as signatures');
  return out;
}

function encodeAssistantPart(p: Exclude<AssistantPart, { type: 'reasoning' }>): Part[] {
  if (p.type === 'text') return p.text ? [{ text: p.text }] : [];
  const signature = p.signature ?? signatureFromToolCallId(p.id);
  return [
    {
      functionCall: { name: p.name, args: isObject(p.args) ? p.args : {} },
      ...(signature ? { thoughtSignature: signature } : {}),
    },
  ];
}

function encodeUserPart(p: TextPart | ImagePart): Part[] {
  if (p.type === 'text') return p.text ? [{ text: p.text }] : [];
  if (p.data !== undefined) return [{ inlineData: { mimeType: p.mediaType, data: p.data } }];
  return [{ fileData: { mimeType: p.mediaType, fileUri: p.url ?? '' } }];
}

function encodeToolResult(p: ToolResultPart, names: Map<string, string>, warn: (m: string) => void): Part[] {
  const name = p.name ?? names.get(p.toolCallId) ?? names.get(baseToolCallId(p.toolCallId));
  if (!name) warn(`tool result ${p.toolCallId} matches no earlier tool call; sent with an empty name`);
  const text = p.content
    .filter((c): c is TextPart => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
  const images = p.content.filter((c): c is ImagePart => c.type === 'image').flatMap(encodeUserPart);
  return [{ functionResponse: { name: name ?? '', response: p.isError ? { error: text } : { result: text } } }, ...images];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
