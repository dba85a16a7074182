/**
 * The OpenAI Responses surface (`POST /v1/responses`) with the official `openai` client's
 * `responses.create` and `responses.stream`, streamed and not, with function tools: to the
 * simulator, passed through to an independent fake Responses upstream, and translated to a
 * fake Vertex Gemini and to an Anthropic-speaking upstream. Every path checks the spend line
 * against what the upstream reported.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { FunctionTool, ResponseFunctionToolCall, ResponseInputItem, ResponseReasoningItem } from 'openai/resources/responses/responses';
import { startFakeResponses, type FakeResponses } from '../helpers/fake-responses.ts';
import { startFakeGemini, type FakeGemini } from '../helpers/fake-gemini.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';

const MASTER = 'sk-responses-master-0001';
const UPSTREAM_KEY = 'sk-upstream-responses-secret';
const SCRIPT = JSON.stringify([{ action: 'bash', command: 'ls -la' }, { action: 'say', text: 'All done.' }]);
const SHELL: FunctionTool = {
  type: 'function',
  name: 'shell',
  description: 'Runs a shell command.',
  parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'], additionalProperties: false },
  strict: false,
};

function sums(records: SpendRecord[]) {
  return records.reduce(
    (a, r) => ({ input: a.input + r.usage.input, output: a.output + r.usage.output, cacheRead: a.cacheRead + r.usage.cacheRead, reasoning: a.reasoning + r.usage.reasoning }),
    { input: 0, output: 0, cacheRead: 0, reasoning: 0 },
  );
}

describe('Responses surface through the openai client', { timeout: 120_000 }, () => {
  let responsesUp: FakeResponses;
  let gemini: FakeGemini;
  let simUp: TestProxy;
  let proxy: TestProxy;

  before(async () => {
    responsesUp = await startFakeResponses({ callTool: { name: 'shell', arguments: '{"command":"ls -la"}' } });
    gemini = await startFakeGemini((step, tools) => (step === 0 && tools.includes('shell') ? { call: { name: 'shell', args: { command: 'ls -la' } } } : { text: 'All done.' }));
    simUp = await startTestProxy(`
model_list:
  - model_name: sim-upstream
    litellm_params:
      model: sim/sim-default
      sim: { ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0 }
`);
    proxy = await startTestProxy(
      `
model_list:
  - model_name: sim-model
    litellm_params:
      model: sim/gpt-5
      sim: { ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0, answer_tokens: 10 }
  - model_name: via-responses
    litellm_params:
      model: openai/gpt-5-upstream
      api_base: ${responsesUp.url}/v1
      api_key: os.environ/UP_KEY
  - model_name: via-gemini
    litellm_params:
      model: vertex_ai/gemini-2.5-pro
      api_base: ${gemini.url}
      vertex_project: test-project
      vertex_location: us-central1
      api_key: ya29.fake-vertex-token
  - model_name: via-anthropic
    litellm_params:
      model: anthropic/sim-upstream
      api_base: ${simUp.url}
      api_key: sk-ant-upstream-fake
      extra_headers: { x-agentab-sim-script: '${SCRIPT}' }
general_settings:
  master_key: ${MASTER}
`,
      { UP_KEY: UPSTREAM_KEY },
    );
  });
  after(async () => {
    await proxy?.close();
    await simUp?.close();
    await responsesUp?.close();
    await gemini?.close();
  });

  const client = (cell: string, headers: Record<string, string> = {}) =>
    new OpenAI({ baseURL: `${proxy.url}/cell/${cell}/v1`, apiKey: proxy.cellToken(cell), maxRetries: 0, defaultHeaders: headers });
  const spendOf = async (cell: string) => (await proxy.spend()).filter((r) => r.cell === cell);

  /** Two turns: the model calls `shell`, the client answers with its output, the model finishes. */
  async function twoTurns(openai: OpenAI, model: string, stream: boolean) {
    const first = stream
      ? await openai.responses.stream({ model, input: 'List the files.', tools: [SHELL] }).finalResponse()
      : await openai.responses.create({ model, input: 'List the files.', tools: [SHELL] });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call', JSON.stringify(first.output));
    assert.equal(call.name, 'shell');
    assert.deepEqual(JSON.parse(call.arguments), { command: 'ls -la' });
    const input: ResponseInputItem[] = [
      { role: 'user', content: 'List the files.' },
      ...first.output.flatMap((o): Array<ResponseFunctionToolCall | ResponseReasoningItem> => (o.type === 'function_call' || o.type === 'reasoning' ? [o] : [])),
      { type: 'function_call_output', call_id: call.call_id, output: 'a.txt\nb.txt' },
    ];
    const events: string[] = [];
    let second: OpenAI.Responses.Response;
    if (stream) {
      const s = openai.responses.stream({ model, input, tools: [SHELL] });
      for await (const e of s) events.push(e.type);
      second = await s.finalResponse();
    } else second = await openai.responses.create({ model, input, tools: [SHELL] });
    return { first, second, events };
  }

  test('create, not streamed, to the simulator: a function call, then text; usage equals the spend lines', async () => {
    const { first, second } = await twoTurns(client('r-sim', { 'x-agentab-sim-script': SCRIPT }), 'sim-model', false);
    assert.equal(second.output_text, 'All done.');
    const lines = await spendOf('r-sim');
    assert.equal(lines.length, 2);
    for (const [line, res] of [[lines[0]!, first], [lines[1]!, second]] as const) {
      assert.equal(line.surface, 'openai-responses');
      assert.equal(line.endpoint, 'responses');
      assert.equal(line.path, '/v1/responses');
      assert.equal(line.stream, false);
      assert.equal(line.backend, 'sim');
      assert.equal(line.usage.input, res.usage!.input_tokens);
      assert.equal(line.usage.output, res.usage!.output_tokens);
    }
    assert.equal(lines[0]!.finish, 'tool_use');
    assert.equal(lines[0]!.toolCalls, 1);
    assert.equal(lines[1]!.finish, 'stop');
  });

  test('stream to the simulator: the SDK assembles the events; the spend line has the completed usage', async () => {
    const { second, events } = await twoTurns(client('r-sim-stream', { 'x-agentab-sim-script': SCRIPT }), 'sim-model', true);
    assert.equal(second.output_text, 'All done.');
    assert.equal(events[0], 'response.created');
    assert.ok(events.includes('response.output_text.delta'));
    assert.equal(events.at(-1), 'response.completed');
    const lines = await spendOf('r-sim-stream');
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.stream && l.status === 200 && l.ttftMs !== null));
    assert.equal(lines[1]!.usage.input, second.usage!.input_tokens);
    assert.equal(lines[1]!.usage.output, second.usage!.output_tokens);
  });

  for (const stream of [false, true]) {
    test(`passed through to a Responses upstream (${stream ? 'streamed' : 'not streamed'}): bytes untouched, cached and reasoning tokens logged`, async () => {
      const cell = `r-pass-${stream}`;
      const t0 = { ...responsesUp.totals };
      const seen = responsesUp.received.length;
      const { first, second } = await twoTurns(client(cell), 'via-responses', stream);
      assert.match(first.id, /^resp_fake_/, 'the upstream response object reaches the client as it was sent');
      assert.equal(second.output_text, 'The fake Responses upstream answers.');
      assert.equal(second.usage!.input_tokens_details.cached_tokens, 64);
      assert.equal(second.usage!.output_tokens_details.reasoning_tokens, 12);
      const sent = responsesUp.received.slice(seen);
      assert.equal(sent.length, 2);
      assert.ok(sent.every((r) => r.path === '/v1/responses' && r.authorization === `Bearer ${UPSTREAM_KEY}`));
      assert.ok(sent.every((r) => r.body.model === 'gpt-5-upstream' && r.body.stream === (stream || undefined)));
      assert.deepEqual((sent[0]!.body.tools as FunctionTool[])[0]!.name, 'shell');
      const lines = await spendOf(cell);
      assert.equal(lines.length, 2);
      assert.ok(lines.every((l) => l.backend === 'openai' || l.backend === 'openai-compatible'), JSON.stringify(lines.map((l) => l.backend)));
      assert.deepEqual(sums(lines), {
        input: responsesUp.totals.input - t0.input,
        output: responsesUp.totals.output - t0.output,
        cacheRead: responsesUp.totals.cached - t0.cached,
        reasoning: responsesUp.totals.reasoning - t0.reasoning,
      });
      assert.equal(lines[0]!.finish, 'tool_use');
      assert.equal(lines[0]!.toolCalls, 1);
      assert.ok(!JSON.stringify(lines).includes(UPSTREAM_KEY));
    });
  }

  test('translated to a fake Vertex Gemini, streamed: the thought signature survives the round trip; sums equal Gemini\'s', async () => {
    const t0 = { ...gemini.totals };
    const { second } = await twoTurns(client('r-gemini'), 'via-gemini', true);
    assert.equal(second.output_text, 'All done.');
    assert.deepEqual(gemini.complaints, []);
    const lines = await spendOf('r-gemini');
    assert.equal(lines.length, gemini.totals.calls - t0.calls);
    assert.deepEqual(sums(lines), {
      input: gemini.totals.input - t0.input,
      output: gemini.totals.output - t0.output,
      cacheRead: gemini.totals.cacheRead - t0.cacheRead,
      reasoning: gemini.totals.reasoning - t0.reasoning,
    });
    assert.ok(second.usage!.output_tokens_details.reasoning_tokens > 0, 'Gemini thoughts are reported as reasoning tokens');
  });

  test('translated to an Anthropic-speaking upstream, not streamed: sums equal the upstream\'s own spend log', async () => {
    const before = (await simUp.spend()).length;
    await twoTurns(client('r-anthropic'), 'via-anthropic', false);
    const upstream = (await simUp.spend()).slice(before);
    assert.ok(upstream.every((r) => r.surface === 'anthropic'), 'the upstream was spoken to in Anthropic Messages');
    const lines = await spendOf('r-anthropic');
    assert.equal(lines.length, upstream.length);
    assert.deepEqual(sums(lines), sums(upstream));
  });

  test('a translated answer echoes the request\'s max_output_tokens and instructions, streamed or not, as the API does', async () => {
    const openai = client('r-echo');
    const asked = { model: 'via-anthropic', input: 'hi', max_output_tokens: 20, instructions: 'Be brief.' };
    const answer = await openai.responses.create(asked);
    assert.equal(answer.max_output_tokens, 20);
    assert.equal(answer.instructions, 'Be brief.');
    const streamed = await openai.responses.stream(asked).finalResponse();
    assert.equal(streamed.max_output_tokens, 20);
    assert.equal(streamed.instructions, 'Be brief.');
  });

  test('errors come in the OpenAI shape the SDK reads: unknown model, missing input, previous_response_id when translating', async () => {
    const openai = client('r-errors');
    await assert.rejects(openai.responses.create({ model: 'no-such-model', input: 'hi' }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 404);
      assert.match(e.message, /unknown model "no-such-model".*sim-model/);
      return true;
    });
    await assert.rejects(openai.responses.create({ model: 'sim-model' } as never), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 400);
      assert.match(e.message, /input/);
      return true;
    });
    // Translated, a stored conversation cannot be continued: refused, not silently cut to the last turn.
    await assert.rejects(openai.responses.create({ model: 'sim-model', input: 'and then?', previous_response_id: 'resp_123' }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 400);
      assert.match(e.message, /previous_response_id.*whole conversation/);
      return true;
    });
  });
});
