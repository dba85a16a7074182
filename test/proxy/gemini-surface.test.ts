/**
 * The Gemini API surface (`/v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, the model read from the path) with Google's official
 * `@google/genai` client, streamed and not, with function declarations: to the simulator,
 * and translated to an OpenAI Chat upstream and to a fake Vertex Gemini. Every path checks the
 * spend line against what the upstream reported.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI, type Content, type GenerateContentResponse, type Tool } from '@google/genai';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { startFakeGemini, type FakeGemini } from '../helpers/fake-gemini.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';

const MASTER = 'sk-gemini-surface-master';
const SCRIPT = JSON.stringify([{ action: 'bash', command: 'ls -la' }, { action: 'say', text: 'All done.' }]);
const TOOLS: Tool[] = [
  {
    functionDeclarations: [
      {
        name: 'run_shell_command',
        description: 'Runs a shell command.',
        parametersJsonSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
      },
    ],
  },
];

function sums(records: SpendRecord[]) {
  return records.reduce(
    (a, r) => ({ input: a.input + r.usage.input, output: a.output + r.usage.output, cacheRead: a.cacheRead + r.usage.cacheRead }),
    { input: 0, output: 0, cacheRead: 0 },
  );
}

describe('Gemini surface through @google/genai', { timeout: 120_000 }, () => {
  let chatUp: FakeOpenAI;
  let gemini: FakeGemini;
  let proxy: TestProxy;

  before(async () => {
    chatUp = await startFakeOpenAI();
    gemini = await startFakeGemini((step, tools) =>
      step === 0 && tools.includes('run_shell_command') ? { call: { name: 'run_shell_command', args: { command: 'ls -la' } } } : { text: 'All done.' },
    );
    proxy = await startTestProxy(`
model_list:
  - model_name: sim-model
    litellm_params:
      model: sim/gemini-2.5-flash
      sim: { ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0, answer_tokens: 10 }
  - model_name: via-chat
    litellm_params:
      model: openai/fake-chat-model
      api_base: ${chatUp.url}
      api_key: sk-chat-upstream
  - model_name: via-vertex
    litellm_params:
      model: vertex_ai/gemini-2.5-pro
      api_base: ${gemini.url}
      vertex_project: test-project
      vertex_location: us-central1
      api_key: ya29.fake-vertex-token
general_settings:
  master_key: ${MASTER}
`);
  });
  after(async () => {
    await proxy?.close();
    await chatUp?.close();
    await gemini?.close();
  });

  const client = (cell: string, headers: Record<string, string> = {}) =>
    new GoogleGenAI({ apiKey: proxy.cellToken(cell), httpOptions: { baseUrl: `${proxy.url}/cell/${cell}`, headers } });
  const spendOf = async (cell: string) => (await proxy.spend()).filter((r) => r.cell === cell);

  async function generate(ai: GoogleGenAI, model: string, contents: Content[], stream: boolean): Promise<{ response: GenerateContentResponse; chunks: number }> {
    if (!stream) return { response: await ai.models.generateContent({ model, contents, config: { tools: TOOLS } }), chunks: 1 };
    const parts: NonNullable<Content['parts']> = [];
    let last: GenerateContentResponse | undefined;
    let chunks = 0;
    for await (const chunk of await ai.models.generateContentStream({ model, contents, config: { tools: TOOLS } })) {
      chunks++;
      parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
      last = chunk;
    }
    assert.ok(last);
    // The last chunk carries the usage; the parts are spread over the chunks.
    return { response: Object.assign(last, { candidates: [{ ...last.candidates?.[0], content: { role: 'model', parts } }] }), chunks };
  }

  /** Two turns: the model calls run_shell_command, the client sends its functionResponse, the model answers. */
  async function twoTurns(ai: GoogleGenAI, model: string, stream: boolean) {
    const user: Content = { role: 'user', parts: [{ text: 'List the files.' }] };
    const first = await generate(ai, model, [user], stream);
    const call = first.response.candidates?.[0]?.content?.parts?.find((p) => p.functionCall)?.functionCall;
    assert.ok(call, JSON.stringify(first.response));
    assert.equal(call.name, 'run_shell_command');
    assert.deepEqual(call.args, { command: 'ls -la' });
    const modelTurn = first.response.candidates![0]!.content!;
    const answer: Content = { role: 'user', parts: [{ functionResponse: { name: call.name, ...(call.id ? { id: call.id } : {}), response: { output: 'a.txt\nb.txt' } } }] };
    const second = await generate(ai, model, [user, modelTurn, answer], stream);
    const text = (second.response.candidates?.[0]?.content?.parts ?? []).map((p) => (p.thought ? '' : (p.text ?? ''))).join('');
    return { first: first.response, second: second.response, text, chunks: second.chunks };
  }

  for (const stream of [false, true]) {
    test(`${stream ? 'streamGenerateContent' : 'generateContent'} to the simulator: a function call, then text; the model from the path`, async () => {
      const cell = `g-sim-${stream}`;
      const { first, second, text, chunks } = await twoTurns(client(cell, { 'x-agentab-sim-script': SCRIPT }), 'sim-model', stream);
      assert.equal(text, 'All done.');
      if (stream) assert.ok(chunks > 1, 'streamed in several chunks');
      const lines = await spendOf(cell);
      assert.equal(lines.length, 2);
      for (const [line, res] of [[lines[0]!, first], [lines[1]!, second]] as const) {
        assert.equal(line.surface, 'gemini');
        assert.equal(line.alias, 'sim-model');
        assert.equal(line.endpoint, stream ? 'streamGenerateContent' : 'generateContent');
        assert.equal(line.path, `/v1beta/models/sim-model:${line.endpoint}`);
        assert.equal(line.stream, stream);
        assert.equal(line.usage.input, res.usageMetadata!.promptTokenCount);
        assert.equal(line.usage.output, res.usageMetadata!.candidatesTokenCount! + (res.usageMetadata!.thoughtsTokenCount ?? 0));
      }
      assert.equal(lines[0]!.finish, 'tool_use');
      assert.equal(lines[0]!.toolCalls, 1);
    });

    test(`${stream ? 'streamed' : 'not streamed'}, translated to an OpenAI Chat upstream: usage with cached tokens equals the upstream's`, async () => {
      const cell = `g-chat-${stream}`;
      const seen = chatUp.received.length;
      chatUp.script(
        { kind: 'ok', toolCall: { name: 'run_shell_command', args: '{"command":"ls -la"}' }, usage: { prompt: 120, completion: 9, cached: 64 } },
        { kind: 'ok', text: 'All done.', usage: { prompt: 150, completion: 4, cached: 64 } },
      );
      const { first, second, text } = await twoTurns(client(cell), 'via-chat', stream);
      assert.equal(text, 'All done.');
      assert.equal(first.usageMetadata?.promptTokenCount, 120);
      assert.equal(first.usageMetadata?.cachedContentTokenCount, 64);
      assert.equal(second.usageMetadata?.candidatesTokenCount, 4);
      const sent = chatUp.received.slice(seen);
      assert.equal(sent.length, 2);
      assert.equal(sent[0]!.path, '/chat/completions');
      assert.equal(sent[0]!.body.model, 'fake-chat-model');
      assert.deepEqual((sent[0]!.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name), ['run_shell_command']);
      const toolMessage = (sent[1]!.body.messages as Array<{ role: string; tool_call_id?: string; content?: unknown }>).find((m) => m.role === 'tool');
      assert.equal(toolMessage?.tool_call_id, 'call_1', 'the functionResponse answers the upstream\'s call id');
      assert.deepEqual(sums(await spendOf(cell)), { input: 270, output: 13, cacheRead: 128 });
    });
  }

  test('streamed, translated to a fake Vertex Gemini: the thought signature survives; sums equal the upstream\'s', async () => {
    const t0 = { ...gemini.totals };
    const { text } = await twoTurns(client('g-vertex'), 'via-vertex', true);
    assert.equal(text, 'All done.');
    assert.deepEqual(gemini.complaints, []);
    const lines = await spendOf('g-vertex');
    assert.equal(lines.length, gemini.totals.calls - t0.calls);
    assert.deepEqual(sums(lines), {
      input: gemini.totals.input - t0.input,
      output: gemini.totals.output - t0.output,
      cacheRead: gemini.totals.cacheRead - t0.cacheRead,
    });
    assert.equal(
      lines.reduce((a, l) => a + l.usage.reasoning, 0),
      gemini.totals.reasoning - t0.reasoning,
    );
  });

  test('errors come in Gemini\'s shape the client reads: unknown model, no contents', async () => {
    const ai = client('g-errors');
    await assert.rejects(ai.models.generateContent({ model: 'no-such-model', contents: 'hi' }), (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.status, 404);
      const body = JSON.parse(e.message) as { error: { code: number; status: string; message: string } };
      assert.equal(body.error.status, 'NOT_FOUND');
      assert.match(body.error.message, /unknown model "no-such-model"/);
      return true;
    });
    const res = await fetch(`${proxy.url}/cell/g-errors/v1beta/models/sim-model:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': proxy.cellToken('g-errors'), 'content-type': 'application/json' },
      body: JSON.stringify({ generationConfig: {} }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.match(body.error.message, /contents/);
  });
});
