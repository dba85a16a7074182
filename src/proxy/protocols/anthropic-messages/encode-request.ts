/**
 * CanonicalRequest → Anthropic Messages body, for an Anthropic upstream or Claude on Vertex
 * (`vertex: true`: no `model`, `anthropic_version: 'vertex-2023-10-16'`).
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
import { derived } from '../../../canonical/repeats.ts';
import { keepJsonBytes } from '../../../util/json-bytes.ts';
import { encodeCacheMark } from './cache-control.ts';

export interface EncodeAnthropicOptions {
  vertex?: boolean;
  /** max_tokens when the caller gave none (Anthropic requires it). */
  defaultMaxTokens?: number;
  warn?: (message: string) => void;
}

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
const DEFAULT_MAX_TOKENS = 8192;
const EFFORT_BUDGET = { low: 1024, medium: 4096, high: 16384 } as const;
/** Anthropic's smallest accepted thinking budget. */
const MIN_BUDGET = 1024;

type Block = Record<string, unknown>;
type Message = { role: 'user' | 'assistant'; content: Block[] };

/** Tools a client resends on every call, encoded (and serialised) once: canonical/repeats.ts. */
const toolsOfShared = new WeakMap<readonly CanonicalTool[], unknown[]>();

function encodeTools(tools: readonly CanonicalTool[]): unknown[] {
  return tools.map((t) => {
    const tool: Block = { name: t.name };
    if (t.description) tool.description = t.description;
    tool.input_schema = t.parameters;
    const mark = encodeCacheMark(t.cacheControl).cache_control;
    if (mark) tool.cache_control = mark;
    return tool;
  });
}

export function encodeAnthropicRequest(
  req: CanonicalRequest,
  upstreamModel: string,
  opts: EncodeAnthropicOptions = {},
): Record<string, unknown> {
  const warn = opts.warn ?? (() => {});
  const body: Record<string, unknown> = opts.vertex
    ? { anthropic_version: VERTEX_ANTHROPIC_VERSION }
    : { model: upstreamModel };
  body.messages = encodeMessages(req.messages, warn);
  if (req.system.length) body.system = req.system.map(encodeText);
  let maxTokens = req.maxTokens ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const thinking = encodeThinking(req);
  if (thinking) {
    // Anthropic requires max_tokens > budget_tokens.
    if (maxTokens <= thinking.budget_tokens) maxTokens = thinking.budget_tokens + DEFAULT_MAX_TOKENS;
    body.thinking = thinking;
  }
  body.max_tokens = maxTokens;
  if (req.tools.length) {
    body.tools = derived(toolsOfShared, req.tools, (tools) => keepJsonBytes(encodeTools(tools)));
  }
  const toolChoice = encodeToolChoice(req);
  if (toolChoice) body.tool_choice = toolChoice;
  if (req.stopSequences?.length) body.stop_sequences = req.stopSequences;
  if (req.temperature !== undefined) {
    if (thinking && req.temperature !== 1) warn('dropped temperature: Anthropic allows only 1 with thinking enabled');
    else body.temperature = req.temperature;
  }
  if (req.topP !== undefined) {
    if (thinking) warn('dropped top_p: Anthropic rejects it with thinking enabled');
    else body.top_p = req.topP;
  }
  body.stream = req.stream;
  return body;
}

/** The body of `/v1/messages/count_tokens`: the prompt-shaping fields only. */
export function encodeAnthropicCountTokensRequest(
  req: CanonicalRequest,
  upstreamModel: string,
  opts: Pick<EncodeAnthropicOptions, 'warn'> = {},
): Record<string, unknown> {
  const full = encodeAnthropicRequest(req, upstreamModel, opts);
  const body: Record<string, unknown> = { model: upstreamModel, messages: full.messages };
  for (const key of ['system', 'tools', 'tool_choice', 'thinking'] as const) {
    if (full[key] !== undefined) body[key] = full[key];
  }
  return body;
}

function encodeThinking(req: CanonicalRequest): { type: 'enabled'; budget_tokens: number } | undefined {
  const r = req.reasoning;
  if (!r) return undefined;
  const budget = r.budgetTokens ?? EFFORT_BUDGET[r.effort ?? 'medium'];
  return { type: 'enabled', budget_tokens: Math.max(MIN_BUDGET, budget) };
}

function encodeToolChoice(req: CanonicalRequest): Block | undefined {
  const tc = req.toolChoice;
  const disableParallel = req.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (!tc) return req.parallelToolCalls === false && req.tools.length ? { type: 'auto', ...disableParallel } : undefined;
  switch (tc.type) {
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any', ...disableParallel };
    case 'tool':
      return { type: 'tool', name: tc.name, ...disableParallel };
    default:
      return { type: 'auto', ...disableParallel };
  }
}

function encodeMessages(messages: CanonicalMessage[], warn: (m: string) => void): Message[] {
  const out: Message[] = [];
  for (const m of messages) {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const content =
      m.role === 'assistant'
        ? m.content.flatMap((p) => encodeAssistantPart(p, warn))
        : m.content.flatMap((p) => (p.type === 'tool-result' ? [encodeToolResult(p)] : encodeUserPart(p)));
    if (!content.length) continue;
    // A canonical tool message followed by a user message is one Anthropic user turn.
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...content);
    else out.push({ role, content });
  }
  return out;
}

function encodeUserPart(p: TextPart | ImagePart): Block[] {
  if (p.type === 'image') return [encodeImage(p)];
  return p.text ? [encodeText(p)] : [];
}

function encodeAssistantPart(p: AssistantPart, warn: (m: string) => void): Block[] {
  switch (p.type) {
    case 'text':
      // Anthropic rejects empty text blocks.
      return p.text ? [encodeText(p)] : [];
    case 'tool-call':
      return [{ type: 'tool_use', id: anthropicToolId(p.id), name: p.name, input: isObject(p.args) ? p.args : {}, ...encodeCacheMark(p.cacheControl) }];
    case 'reasoning':
      if (p.redacted) return [{ type: 'redacted_thinking', data: p.redacted }];
      if (p.signature) return [{ type: 'thinking', thinking: p.text, signature: p.signature }];
      if (p.text) warn('dropped a thinking block without a signature: Anthropic rejects unsigned thinking');
      return [];
  }
}

function encodeToolResult(p: ToolResultPart): Block {
  const content = p.content.flatMap((c) => encodeUserPart(c));
  return {
    type: 'tool_result',
    tool_use_id: anthropicToolId(p.toolCallId),
    ...(content.length ? { content } : {}),
    ...(p.isError ? { is_error: true } : {}),
    ...encodeCacheMark(p.cacheControl),
  };
}

function encodeText(p: TextPart): Block {
  return { type: 'text', text: p.text, ...encodeCacheMark(p.cacheControl) };
}

function encodeImage(p: ImagePart): Block {
  const mark = encodeCacheMark(p.cacheControl);
  if (p.data !== undefined) return { type: 'image', source: { type: 'base64', media_type: p.mediaType, data: p.data }, ...mark };
  return { type: 'image', source: { type: 'url', url: p.url ?? '' }, ...mark };
}

const TOOL_ID_CHAR = /[^a-zA-Z0-9_-]/g;

/** Anthropic accepts tool ids matching ^[a-zA-Z0-9_-]+$; other dialects' ids are mapped the same way on both sides. */
export function anthropicToolId(id: string): string {
  const clean = id.replace(TOOL_ID_CHAR, '_');
  return clean || 'toolu_empty';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
