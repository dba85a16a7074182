/**
 * A local fake of Vertex AI's Gemini endpoints (`…/publishers/google/models/{M}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:countTokens`) following the documented wire format. It
 * plays a script: the step is the number of `model` turns already in `contents`. Every
 * function call carries a thoughtSignature, and the fake checks that the signature comes back
 * on the next turn (a real thinking model answers 400 otherwise). It totals the usage it
 * reported so tests can compare it with the proxy's spend log.
 */
import { createServer, type Server } from 'node:http';
import { listenLoopback } from './loopback.ts';

export type GeminiStep = { call: { name: string; args: Record<string, unknown> } } | { text: string };

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: { name: string; args: Record<string, unknown> };
  functionResponse?: unknown;
  thoughtSignature?: string;
}
interface Content {
  role: string;
  parts: Part[];
}

export interface FakeGemini {
  url: string;
  /** Requests received (path, headers, parsed body). */
  received: { path: string; authorization: string | undefined; body: { contents: Content[]; tools?: { functionDeclarations?: { name: string }[] }[] } }[];
  /** Sum of the usage this fake reported, normalised (input includes cached; output includes thoughts). */
  totals: { input: number; output: number; cacheRead: number; reasoning: number; calls: number };
  /** Errors the fake detected in what it was sent (missing signatures, …). */
  complaints: string[];
  close(): Promise<void>;
}

const SIG_PREFIX = 'c2lnLWZha2Ut'; // base64 of "sig-fake-"

export async function startFakeGemini(plan: (step: number, toolNames: string[]) => GeminiStep): Promise<FakeGemini> {
  const received: FakeGemini['received'] = [];
  const totals = { input: 0, output: 0, cacheRead: 0, reasoning: 0, calls: 0 };
  const complaints: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = req.url ?? '';
    const m = /\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^:]+):(\w+)/.exec(url);
    if (!m || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: `no route ${url}`, status: 'NOT_FOUND' } }));
      return;
    }
    const body = JSON.parse(text) as FakeGemini['received'][number]['body'];
    received.push({ path: url, authorization: req.headers.authorization, body });
    const promptTokens = Math.ceil(text.length / 4);
    if (m[2] === 'countTokens') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ totalTokens: promptTokens }));
      return;
    }
    if (JSON.stringify(body).includes('cache_control')) complaints.push('cache_control was sent to Gemini');
    const contents = body.contents ?? [];
    for (const c of contents) {
      for (const p of c.parts ?? []) {
        if (c.role === 'model' && p.functionCall && !(p.thoughtSignature ?? '').startsWith(SIG_PREFIX)) {
          complaints.push(`functionCall ${p.functionCall.name} came back without its thoughtSignature`);
        }
      }
    }
    const step = contents.filter((c) => c.role === 'model').length;
    const toolNames = (body.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name));
    const s = plan(step, toolNames);
    const cached = Math.min(64, Math.floor(promptTokens / 2));
    const thoughts = 5;
    const parts: Part[] =
      'call' in s
        ? [{ text: 'Working on it.' }, { functionCall: s.call, thoughtSignature: SIG_PREFIX + Buffer.from(`${step}`).toString('base64') }]
        : [{ text: s.text }];
    const candidates = Math.ceil(JSON.stringify(parts).length / 4);
    const usageMetadata = {
      promptTokenCount: promptTokens,
      candidatesTokenCount: candidates,
      thoughtsTokenCount: thoughts,
      cachedContentTokenCount: cached,
      totalTokenCount: promptTokens + candidates + thoughts,
    };
    totals.input += promptTokens;
    totals.output += candidates + thoughts;
    totals.cacheRead += cached;
    totals.reasoning += thoughts;
    totals.calls++;
    const final = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: m[1] };
    if (m[2] === 'generateContent') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(final));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const frame = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\r\n\r\n`);
    frame({ candidates: [{ content: { role: 'model', parts: [{ text: 'Thinking about it', thought: true }] }, index: 0 }] });
    for (const p of parts) {
      if (p.text && p.text.length > 6) {
        frame({ candidates: [{ content: { role: 'model', parts: [{ text: p.text.slice(0, 6) }] }, index: 0 }] });
        frame({ candidates: [{ content: { role: 'model', parts: [{ text: p.text.slice(6) }] }, index: 0 }] });
      } else frame({ candidates: [{ content: { role: 'model', parts: [p] }, index: 0 }] });
    }
    frame({ candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'STOP', index: 0 }] });
    frame({ usageMetadata, modelVersion: m[1] }); // a usage-only chunk, as Gemini sends
    res.end();
  });
  const loopback = await listenLoopback(server);
  return {
    url: loopback.url,
    received,
    totals,
    complaints,
    close: loopback.close,
  };
}
