/** Shared request shapes and helpers for the simulator tests. */
import type { SimOptions } from '../../src/config/types.ts';
import type {
  AssistantPart,
  CanonicalMessage,
  CanonicalRequest,
  CanonicalResponse,
  CanonicalTool,
  StreamPart,
} from '../../src/canonical/form.ts';
import type { Sleep } from '../../src/util/sleep.ts';

const obj = (properties: Record<string, unknown>, required: string[]) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

/** Claude Code's core tools (schemas as Claude Code 2.x sends them), plus look-alike decoys. */
export const claudeCodeTools: CanonicalTool[] = [
  {
    name: 'BashOutput',
    description: 'Retrieves output from a running or completed background bash shell',
    parameters: obj({ bash_id: { type: 'string' }, filter: { type: 'string' } }, ['bash_id']),
  },
  {
    name: 'Bash',
    description: 'Executes a given bash command in a persistent shell session with optional timeout.',
    parameters: obj(
      {
        command: { type: 'string', description: 'The command to execute' },
        timeout: { type: 'number', description: 'Optional timeout in milliseconds (max 600000)' },
        description: { type: 'string', description: 'Clear, concise description of what this command does in 5-10 words' },
        run_in_background: { type: 'boolean', description: 'Set to true to run this command in the background.' },
      },
      ['command'],
    ),
  },
  {
    name: 'Glob',
    description: 'Fast file pattern matching tool that works with any codebase size',
    parameters: obj({ pattern: { type: 'string' }, path: { type: 'string' } }, ['pattern']),
  },
  {
    name: 'TodoWrite',
    description: 'Use this tool to create and manage a structured task list for your current coding session.',
    parameters: obj({ todos: { type: 'array', items: { type: 'object' } } }, ['todos']),
  },
  {
    name: 'Read',
    description: 'Reads a file from the local filesystem. The file_path parameter must be an absolute path, not a relative path.',
    parameters: obj(
      {
        file_path: { type: 'string', description: 'The absolute path to the file to read' },
        offset: { type: 'number', description: 'The line number to start reading from' },
        limit: { type: 'number', description: 'The number of lines to read' },
      },
      ['file_path'],
    ),
  },
  {
    name: 'Edit',
    description: 'Performs exact string replacements in files.',
    parameters: obj(
      {
        file_path: { type: 'string', description: 'The absolute path to the file to modify' },
        old_string: { type: 'string', description: 'The text to replace' },
        new_string: { type: 'string', description: 'The text to replace it with (must be different from old_string)' },
        replace_all: { type: 'boolean', default: false, description: 'Replace all occurences of old_string (default false)' },
      },
      ['file_path', 'old_string', 'new_string'],
    ),
  },
  {
    name: 'NotebookEdit',
    description: 'Completely replaces the contents of a specific cell in a Jupyter notebook.',
    parameters: obj(
      { notebook_path: { type: 'string' }, new_source: { type: 'string' }, cell_id: { type: 'string' } },
      ['notebook_path', 'new_source'],
    ),
  },
  {
    name: 'Write',
    description: 'Writes a file to the local filesystem.',
    parameters: obj(
      {
        file_path: { type: 'string', description: 'The absolute path to the file to write (must be absolute, not relative)' },
        content: { type: 'string', description: 'The content to write to the file' },
      },
      ['file_path', 'content'],
    ),
  },
];

/** OpenCode's built-in tools (lower-case names, camelCase properties). */
export const openCodeTools: CanonicalTool[] = [
  {
    name: 'bash',
    description: 'Executes a given bash command in a persistent shell session.',
    parameters: obj(
      {
        command: { type: 'string', description: 'The command to execute' },
        timeout: { type: 'number', description: 'Optional timeout in milliseconds' },
        description: { type: 'string', description: 'Clear, concise description of what this command does in 5-10 words.' },
      },
      ['command', 'description'],
    ),
  },
  {
    name: 'read',
    description: 'Reads a file from the local filesystem.',
    parameters: obj(
      {
        filePath: { type: 'string', description: 'The path to the file to read' },
        offset: { type: 'number' },
        limit: { type: 'number' },
      },
      ['filePath'],
    ),
  },
  {
    name: 'edit',
    description: 'Performs exact string replacements in files.',
    parameters: obj(
      {
        filePath: { type: 'string', description: 'The absolute path to the file to modify' },
        oldString: { type: 'string' },
        newString: { type: 'string' },
        replaceAll: { type: 'boolean' },
      },
      ['filePath', 'oldString', 'newString'],
    ),
  },
  {
    name: 'write',
    description: 'Writes a file to the local filesystem.',
    parameters: obj(
      {
        content: { type: 'string', description: 'The content to write to the file' },
        filePath: { type: 'string', description: 'The absolute path to the file to write (must be absolute, not relative)' },
      },
      ['content', 'filePath'],
    ),
  },
];

/** About 1,500 tokens of system prompt, like the top of Claude Code's. */
export const longSystem = [
  'You are Claude Code, a command line coding assistant.',
  ...Array.from({ length: 120 }, (_, i) => `Rule ${i}: keep answers short, prefer editing files over explaining, and run the tests.`),
  '<env>\nWorking directory: /tmp/ws\nIs directory a git repo: No\nPlatform: linux\n</env>',
].join('\n');

export function request(over: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    model: 'shared-model',
    system: [{ type: 'text', text: 'You are a helpful coding agent.\nWorking directory: /tmp/ws' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Create a.txt, then show it.' }] }],
    tools: [],
    stream: true,
    sourceDialect: 'anthropic',
    ...over,
  };
}

export const opts = (over: Partial<SimOptions> = {}): SimOptions => ({
  seed: 7,
  ttftMs: 400,
  ttftMsPer1kTokens: 20,
  tokensPerSecond: 50,
  jitter: 0.3,
  errorRate: 0,
  rateLimitRate: 0,
  stallRate: 0,
  stallMs: 20_000,
  answerTokens: 40,
  cache: { rules: 'auto', shared: false },
  ...over,
});

/** A sleep that returns at once and records what it was asked to wait. */
export function fakeSleep(): Sleep & { calls: number[] } {
  const calls: number[] = [];
  const sleep = (async (ms: number, signal?: AbortSignal) => {
    calls.push(ms);
    if (signal?.aborted) throw signal.reason;
  }) as Sleep & { calls: number[] };
  sleep.calls = calls;
  return sleep;
}

export async function readAll(stream: ReadableStream<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream as unknown as AsyncIterable<StreamPart>) parts.push(p);
  return parts;
}

/** The conversation after the assistant answered `res` and its tool calls returned `output`. */
export function continueWith(
  req: CanonicalRequest,
  res: CanonicalResponse,
  dialect: 'anthropic' | 'openai',
  output = 'ok',
  isError = false,
): CanonicalRequest {
  const assistant: CanonicalMessage = { role: 'assistant', content: res.content as AssistantPart[] };
  const calls = res.content.filter((c) => c.type === 'tool-call');
  const results = calls.map((c) => ({
    type: 'tool-result' as const,
    toolCallId: c.id,
    name: c.name,
    content: [{ type: 'text' as const, text: output }],
    ...(isError ? { isError: true } : {}),
  }));
  const next: CanonicalMessage[] =
    results.length === 0 ? [] : dialect === 'anthropic' ? [{ role: 'user', content: results }] : [{ role: 'tool', content: results }];
  return { ...req, messages: [...req.messages, assistant, ...next] };
}
