/**
 * One loopback server that answers as three providers, for benchmarks of the proxy's own
 * work: OpenAI Chat Completions (`/v1/chat/completions`), Vertex AI Gemini
 * (`…:generateContent`, `…:streamGenerateContent?alt=sse`) and Anthropic Messages
 * (`/v1/messages`), each non-streamed or streamed. Every answer is the same short turn — a
 * sentence and one Read tool call, with usage — in each provider's documented wire format,
 * pre-serialised so the upstream's own time stays small and constant. The request body is
 * read to the end and its size recorded, nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const TEXT = ["I'll read ", 'the module ', 'before changing it.'];
const TOOL_ARGS = { file_path: '/work/project/src/module-1.ts' };
const USAGE = { input: 31_250, output: 48, cached: 30_000 };

const sse = (events: unknown[]): string => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
const anthropicSse = (events: { type: string }[]): string => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');

const OPENAI_JSON = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_735_689_600,
  model: 'gpt-bench',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: TEXT.join(''),
        tool_calls: [{ id: 'call_bench_1', type: 'function', function: { name: 'Read', arguments: JSON.stringify(TOOL_ARGS) } }],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output, prompt_tokens_details: { cached_tokens: USAGE.cached } },
});

const chunk = (delta: unknown, finish: string | null = null, usage: unknown = null) => ({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_735_689_600,
  model: 'gpt-bench',
  choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
  usage,
});
const OPENAI_SSE =
  sse([
    chunk({ role: 'assistant', content: '' }),
    ...TEXT.map((t) => chunk({ content: t })),
    chunk({ tool_calls: [{ index: 0, id: 'call_bench_1', type: 'function', function: { name: 'Read', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(TOOL_ARGS) } }] }),
    chunk({}, 'tool_calls'),
    chunk(null, null, { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output, prompt_tokens_details: { cached_tokens: USAGE.cached } }),
  ]) + 'data: [DONE]\n\n';

const geminiUsage = { promptTokenCount: USAGE.input, candidatesTokenCount: USAGE.output, cachedContentTokenCount: USAGE.cached, totalTokenCount: USAGE.input + USAGE.output };
const GEMINI_JSON = JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text: TEXT.join('') }, { functionCall: { name: 'Read', args: TOOL_ARGS } }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: geminiUsage,
  modelVersion: 'gemini-2.5-pro',
  responseId: 'resp-bench',
});
const GEMINI_SSE = sse([
  ...TEXT.map((text) => ({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }], modelVersion: 'gemini-2.5-pro', responseId: 'resp-bench' })),
  {
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'Read', args: TOOL_ARGS } }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: geminiUsage,
    modelVersion: 'gemini-2.5-pro',
    responseId: 'resp-bench',
  },
]);

const anthropicUsage = { input_tokens: USAGE.input - USAGE.cached, cache_read_input_tokens: USAGE.cached, cache_creation_input_tokens: 0, output_tokens: USAGE.output };
const ANTHROPIC_CONTENT = [
  { type: 'text', text: TEXT.join('') },
  { type: 'tool_use', id: 'toolu_bench_1', name: 'Read', input: TOOL_ARGS },
];
const ANTHROPIC_JSON = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-bench',
  content: ANTHROPIC_CONTENT,
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: anthropicUsage,
});
const ANTHROPIC_SSE = anthropicSse([
  { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-bench', content: [], stop_reason: null, stop_sequence: null, usage: { ...anthropicUsage, output_tokens: 1 } } } as { type: string },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string },
  ...TEXT.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
  { type: 'content_block_stop', index: 0 } as { type: string },
  { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_bench_1', name: 'Read', input: {} } } as { type: string },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify(TOOL_ARGS) } } as { type: string },
  { type: 'content_block_stop', index: 1 } as { type: string },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: USAGE.output } } as { type: string },
  { type: 'message_stop' },
]);

/** What one request asked for, from its path and body; null when the path is not one of ours. */
function answerOf(path: string, body: string): { type: string; text: string } | null {
  const streamed = (): boolean => /"stream"\s*:\s*true/.test(body);
  if (path.endsWith('/chat/completions')) return streamed() ? { type: 'text/event-stream', text: OPENAI_SSE } : { type: 'application/json', text: OPENAI_JSON };
  if (path.includes(':streamGenerateContent')) return { type: 'text/event-stream', text: GEMINI_SSE };
  if (path.includes(':generateContent')) return { type: 'application/json', text: GEMINI_JSON };
  if (path.endsWith('/v1/messages')) return streamed() ? { type: 'text/event-stream', text: ANTHROPIC_SSE } : { type: 'application/json', text: ANTHROPIC_JSON };
  return null;
}

export interface FakeUpstreams {
  url: string;
  /** Requests answered, and the bytes of the largest request body seen. */
  stats: { requests: number; maxRequestBytes: number };
  close(): Promise<void>;
}

export async function startFakeUpstreams(): Promise<FakeUpstreams> {
  const stats = { requests: 0, maxRequestBytes: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      stats.requests++;
      stats.maxRequestBytes = Math.max(stats.maxRequestBytes, body.length);
      const answer = answerOf((req.url ?? '/').split('?')[0] as string, body);
      if (!answer) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not a benchmark route"}}');
        return;
      }
      res.writeHead(200, { 'content-type': answer.type, 'content-length': Buffer.byteLength(answer.text) }).end(answer.text);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
