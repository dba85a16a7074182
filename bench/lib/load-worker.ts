/**
 * The load generator, run as its own process so its CPU use is visible and separate from
 * the orchestrator: `node --import tsx bench/lib/load-worker.ts '<LoadSpec JSON>'`.
 * Closed loop: `concurrency` lanes each send a request, read the whole body, and send the
 * next, until the request count or the time cap is reached. Prints one LoadResult JSON line.
 *
 * Hand-written rather than autocannon: autocannon reports only whole-response latency, and
 * here the time to the first body byte of a stream matters as much as the total.
 */
import { Pool } from 'undici';
import { LoadSpec, type LoadResult } from './load-spec.ts';
import { summarizeLatencies } from './latency.ts';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const MAX_ERROR_SAMPLES = 5;
const DONE_MARK = 'data: [DONE]';

interface Sink {
  ttfb: number[];
  total: number[];
  errors: number;
  errorSamples: Set<string>;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function requestBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    stream,
    max_tokens: 64,
    messages: [
      { role: 'system', content: 'You are a benchmark target.' },
      { role: 'user', content: 'Say something short about proxies.' },
    ],
  });
}

function noteError(sink: Sink, message: string): void {
  sink.errors++;
  if (sink.errorSamples.size < MAX_ERROR_SAMPLES) sink.errorSamples.add(message.slice(0, 300));
}

/** Sends one request and reads its body to the end; records timings only on success. */
async function once(pool: Pool, spec: LoadSpec, body: string, stream: boolean, sink: Sink | null): Promise<void> {
  const t0 = nowMs();
  let firstByte = 0;
  let tail = '';
  try {
    const res = await pool.request({
      path: spec.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...spec.headers },
      body,
    });
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (firstByte === 0) firstByte = nowMs();
      // Only the end matters (the [DONE] marker); keep a short tail, not the whole body.
      tail = (tail + chunk.toString('latin1')).slice(-64);
    }
    const end = nowMs();
    if (!sink) return;
    if (res.statusCode !== 200) return noteError(sink, `HTTP ${res.statusCode}: ${tail}`);
    if (stream && !tail.includes(DONE_MARK)) return noteError(sink, `stream ended without [DONE]: …${tail}`);
    sink.ttfb.push((firstByte || end) - t0);
    sink.total.push(end - t0);
  } catch (e) {
    if (sink) noteError(sink, (e as Error).message);
  }
}

/** Runs `lanes` closed loops sharing one request budget and one deadline. */
async function closedLoop(pool: Pool, spec: LoadSpec, maxRequests: number, maxDurationMs: number, sink: Sink | null): Promise<number> {
  const bodies = { stream: requestBody(spec.model, true), json: requestBody(spec.model, false) };
  const start = nowMs();
  const deadline = start + maxDurationMs;
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < maxRequests && nowMs() < deadline) {
      const n = issued++;
      const stream = spec.mode === 'stream' || (spec.mode === 'mixed' && n % 2 === 0);
      await once(pool, spec, stream ? bodies.stream : bodies.json, stream, sink);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  return nowMs() - start;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const origin = new URL(spec.origin);
  if (!LOOPBACK.has(origin.hostname)) throw new Error(`refusing non-loopback target ${origin.hostname}`);
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    if (spec.warmupRequests > 0 && spec.warmupMaxDurationMs > 0) {
      await closedLoop(pool, spec, spec.warmupRequests, spec.warmupMaxDurationMs, null);
    }
    const sink: Sink = { ttfb: [], total: [], errors: 0, errorSamples: new Set() };
    const elapsedMs = await closedLoop(pool, spec, spec.maxRequests, spec.maxDurationMs, sink);
    const completed = sink.total.length;
    return {
      completed,
      errors: sink.errors,
      errorSamples: [...sink.errorSamples],
      elapsedMs,
      rps: elapsedMs > 0 ? (completed * 1000) / elapsedMs : 0,
      ttfb: summarizeLatencies(sink.ttfb),
      total: summarizeLatencies(sink.total),
    };
  } finally {
    await pool.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = LoadSpec.parse(JSON.parse(process.argv[2] ?? 'null'));
  const result = await runLoad(spec);
  process.stdout.write(JSON.stringify(result) + '\n');
}
