/**
 * The translated stream's synchronous core (translated-stream.ts, pipeline.ts
 * sendTranslatedStream): an OpenAI-compatible or Vertex Gemini upstream's bytes are decoded,
 * tapped and encoded into Anthropic SSE per chunk, with no web stream in between. Checked
 * against the web-stream path built from the same stages (decoder TransformStream piped into
 * the encoder TransformStream): the stages split at every byte boundary, then the running
 * proxy with `@anthropic-ai/sdk` as the client — frames split over 1-byte writes, a break
 * before the first byte retried, a client that stops reading, a client that leaves. No timing
 * is asserted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import type { StreamPart } from '../../src/canonical/form.ts';
import { openAISseDecoder, openAISseToParts } from '../../src/proxy/protocols/openai-chat/index.ts';
import { geminiSseDecoder, geminiSseToParts } from '../../src/proxy/protocols/gemini/index.ts';
import { anthropicSseEncoder, partsToAnthropicSse } from '../../src/proxy/protocols/anthropic-messages/index.ts';
import type { StageFactory } from '../../src/proxy/protocols/common/sync-stage.ts';
import { listenLoopback, type LoopbackServer } from '../helpers/loopback.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const MASTER = 'sk-master-translated';
const frame = (json: unknown): string => `data: ${JSON.stringify(json)}\n\n`;

/** An OpenAI stream: text in many deltas (multi-byte characters straddle splits), a tool call in pieces, the usage chunk. */
function openAIStream(deltas: number): string {
  const chunk = (delta: unknown, finish: string | null = null) =>
    frame({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'up-model', choices: [{ index: 0, delta, finish_reason: finish }] });
  let s = chunk({ role: 'assistant', content: '' });
  for (let i = 0; i < deltas; i++) s += chunk({ content: `tok ${i} é✓😀 ` });
  s += chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'Bash', arguments: '' } }] });
  for (const piece of ['{"comm', 'and":"ls', ' -la"}']) s += chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
  s += chunk({}, 'tool_calls');
  s += frame({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'up-model', choices: [], usage: { prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801, prompt_tokens_details: { cached_tokens: 1000 } } });
  return s + 'data: [DONE]\n\n';
}

/** A Gemini stream: thought text, text in many frames, a whole functionCall, a usage-only frame. */
function geminiStream(deltas: number): string {
  const content = (parts: unknown[], extra: Record<string, unknown> = {}) =>
    frame({ candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }], responseId: 'resp-1', modelVersion: 'gemini-2.5-pro' });
  let s = content([{ text: 'thinking é✓', thought: true }]);
  for (let i = 0; i < deltas; i++) s += content([{ text: `tok ${i} é✓😀 ` }]);
  s += content([{ functionCall: { name: 'Bash', args: { command: 'ls -la' } }, thoughtSignature: 'sig-1' }], { finishReason: 'STOP' });
  s += frame({ usageMetadata: { promptTokenCount: 2000, candidatesTokenCount: 300, thoughtsTokenCount: 40, cachedContentTokenCount: 1500, totalTokenCount: 2340 }, responseId: 'resp-1' });
  return s;
}

const OPENAI_DECODER: StageFactory<Uint8Array, StreamPart> = openAISseDecoder;
const GEMINI_DECODER: StageFactory<Uint8Array, StreamPart> = (emit) => geminiSseDecoder({ model: 'gemini-2.5-pro' }, emit);

/** The web-stream path: decoder TransformStream → encoder TransformStream, the whole body in one chunk. */
async function webPath(upstream: string, decoder: () => TransformStream<Uint8Array, StreamPart>, inputTokens: number, model = 'alias'): Promise<string> {
  const bytes = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(Buffer.from(upstream));
      c.close();
    },
  })
    .pipeThrough(decoder())
    .pipeThrough(partsToAnthropicSse({ model, inputTokens }));
  return new Response(bytes).text();
}

/** The synchronous stages, the body in the given chunks. */
function syncPath(chunks: Uint8Array[], decoder: StageFactory<Uint8Array, StreamPart>, inputTokens: number): string {
  const out: Buffer[] = [];
  const encoder = anthropicSseEncoder({ model: 'alias', inputTokens }, (b) => void out.push(Buffer.from(b)));
  const decode = decoder((p) => encoder.push(p));
  for (const c of chunks) decode.push(c);
  decode.end();
  encoder.end();
  return Buffer.concat(out).toString('utf8');
}

describe('translated stream stages', () => {
  for (const [name, upstream, decoder, web] of [
    ['OpenAI → Anthropic', openAIStream(6), OPENAI_DECODER, () => openAISseToParts()],
    ['Gemini → Anthropic', geminiStream(6), GEMINI_DECODER, () => geminiSseToParts({ model: 'gemini-2.5-pro' })],
  ] as const) {
    test(`${name}: split at every byte boundary, the synchronous stages give the web-stream path's bytes`, async () => {
      const expected = await webPath(upstream, web, 42);
      assert.match(expected, /event: message_stop/);
      const bytes = Buffer.from(upstream);
      for (let at = 0; at <= bytes.length; at++) {
        const got = syncPath([bytes.subarray(0, at), bytes.subarray(at)], decoder, 42);
        assert.equal(got, expected, `split at byte ${at}`);
      }
      const oneByOne = [...bytes].map((b) => Uint8Array.of(b));
      assert.equal(syncPath(oneByOne, decoder, 42), expected, 'one byte per chunk');
    });
  }
});

interface Script {
  body: string;
  writeBytes: number;
  /** Close the connection before any byte of the body on this many requests first. */
  breakFirst?: number;
  /** Stop after this many bytes and wait for the client to go. */
  hangAfter?: number;
}

describe('translated streams through the proxy, @anthropic-ai/sdk as the client', () => {
  let upstream: LoopbackServer;
  let proxy: TestProxy;
  let script: Script;
  let requests = 0;
  const closedEarly: boolean[] = [];

  before(async () => {
    upstream = await listenLoopback(
      createServer((req, res) => {
        req.resume();
        req.on('end', async () => {
          requests++;
          const index = closedEarly.push(false) - 1;
          res.on('close', () => {
            if (!res.writableFinished) closedEarly[index] = true;
          });
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          if (script.breakFirst && script.breakFirst-- > 0) {
            res.flushHeaders();
            await sleep(5);
            res.socket?.destroy();
            return;
          }
          const bytes = Buffer.from(script.body);
          const end = script.hangAfter ?? bytes.length;
          let writes = 0;
          for (let at = 0; at < end && !res.destroyed; at += script.writeBytes) {
            res.write(bytes.subarray(at, Math.min(end, at + script.writeBytes)));
            if (++writes % 50 === 0) await sleep(1);
          }
          if (script.hangAfter === undefined) res.end();
        });
      }),
    );
    proxy = await startTestProxy(`
model_list:
  - model_name: via-openai
    litellm_params: {model: openai/up-model, api_base: "${upstream.url}", api_key: sk-up}
  - model_name: via-gemini
    litellm_params:
      model: vertex_ai/gemini-2.5-pro
      api_base: ${upstream.url}
      vertex_project: test-project
      vertex_location: us-central1
      api_key: ya29.fake-vertex-token
router_settings:
  num_retries: 2
general_settings:
  master_key: ${MASTER}
`);
  });

  after(async () => {
    await proxy?.close(0);
    await upstream?.close();
  });

  const client = () => new Anthropic({ baseURL: proxy.url, apiKey: MASTER, maxRetries: 0 });
  const params = (model: string) => ({
    model,
    max_tokens: 1024,
    stream: true as const,
    messages: [{ role: 'user' as const, content: 'list the files' }],
    tools: [{ name: 'Bash', description: 'run a command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } }],
  });

  async function lastSpend() {
    const all = await proxy.spend();
    return all[all.length - 1]!;
  }

  /** The web-stream path's events for this upstream body, with the proxy's own prompt estimate. */
  async function expectedEvents(upstream: string, web: () => TransformStream<Uint8Array, StreamPart>, inputTokens: number, model: string): Promise<unknown[]> {
    const text = await webPath(upstream, web, inputTokens, model);
    return text
      .split('\n\n')
      .filter((f) => f.startsWith('event: '))
      .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as { type: string; message?: { id: string } });
  }

  for (const [name, model, body, web, usage] of [
    ['OpenAI → Anthropic', 'via-openai', openAIStream(150), () => openAISseToParts(), [1234, 567, 1000]],
    ['Gemini → Anthropic', 'via-gemini', geminiStream(150), () => geminiSseToParts({ model: 'gemini-2.5-pro' }), [2000, 340, 1500]],
  ] as const) {
    test(`${name}: frames split over 1-byte writes arrive as the web-stream path encodes them; usage exact`, async () => {
      script = { body, writeBytes: 1 };
      const events: Array<{ type: string; message?: { usage: { input_tokens: number } } }> = [];
      for await (const e of await client().messages.create(params(model))) events.push(e as (typeof events)[number]);
      const input = events[0]!.message!.usage.input_tokens;
      assert.ok(input > 0, 'message_start carries a prompt estimate');
      assert.deepEqual(events, await expectedEvents(body, web, input, model));
      const spend = await lastSpend();
      assert.deepEqual([spend.usage.input, spend.usage.output, spend.usage.cacheRead], usage);
      assert.equal(spend.finish, 'tool_use');
      assert.equal(spend.toolCalls, 1);
      assert.equal(spend.error, null);
    });
  }

  test('a break before the first byte is retried; the client sees one whole stream', async () => {
    script = { body: openAIStream(20), writeBytes: 512, breakFirst: 2 };
    const before = requests;
    const events: Array<{ type: string }> = [];
    for await (const e of await client().messages.create(params('via-openai'))) events.push(e);
    assert.equal(requests - before, 3, 'two broken attempts, then the one that answered');
    assert.equal(events.filter((e) => e.type === 'message_start').length, 1);
    assert.equal(events.at(-1)?.type, 'message_stop');
    const spend = await lastSpend();
    assert.equal(spend.attempts, 3);
    assert.equal(spend.error, null);
    assert.equal(spend.usage.output, 567);
  });

  test('a client that stops reading: the upstream is paused, every event arrives intact and in order', async () => {
    // ≈ 3 MB of Anthropic frames: far more than the loopback socket buffers hold while the client does not read.
    const body = openAIStream(20_000);
    script = { body, writeBytes: 64 * 1024 };
    const events: Array<{ type: string; message?: { usage: { input_tokens: number } } }> = [];
    let paused = false;
    for await (const e of await client().messages.create(params('via-openai'))) {
      events.push(e as (typeof events)[number]);
      if (!paused) {
        paused = true;
        await sleep(300);
      }
    }
    assert.deepEqual(events, await expectedEvents(body, () => openAISseToParts(), events[0]!.message!.usage.input_tokens, 'via-openai'));
    const spend = await lastSpend();
    assert.deepEqual([spend.usage.input, spend.usage.output], [1234, 567]);
    assert.equal(spend.error, null);
  });

  test('a client that leaves mid-stream: the upstream request is closed, the call recorded client_closed after its 200', async () => {
    script = { body: openAIStream(200), writeBytes: 200, hangAfter: 4000 };
    const n = closedEarly.length;
    const stream = await client().messages.create(params('via-openai'));
    let deltas = 0;
    for await (const e of stream) {
      if (e.type === 'content_block_delta' && ++deltas === 5) break; // leaving the loop aborts the request
    }
    while (closedEarly[n] !== true) await sleep(10);
    let spend = await lastSpend();
    while (spend.error === null) {
      await sleep(10);
      spend = await lastSpend();
    }
    assert.equal(spend.status, 200);
    assert.equal(spend.error?.code, 'client_closed');
    assert.equal(spend.finish, 'error');
  });
});
