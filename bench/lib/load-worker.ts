/**
 * The load generator, run as its own process so its CPU use stays out of the orchestrator:
 * `node --import tsx bench/lib/load-worker.ts '<LoadSpec JSON>'`. Prints LoadResult[] as JSON.
 *
 * Closed loop: `concurrency` lanes each send a request, read the whole body, and send the
 * next, until the round's request count or time cap is reached. Targets are measured in
 * turn for `rounds` rounds over kept-alive pools, after one warm-up each.
 *
 * Hand-written rather than autocannon: autocannon reports only whole-response latency, and
 * here the time to the first body byte of a stream matters as much as the total; the
 * rounds interleave targets, and the servers' CPU time is read around each measured window.
 */
import { Pool } from 'undici';
import { processCpuMs, selfCpuMs } from './cpu-time.ts';
import { summarizeLatencies } from './latency.ts';
import { LoadSpec, TOTAL_SAMPLE_MAX, type LoadResult, type LoadTarget } from './load-spec.ts';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const MAX_ERROR_SAMPLES = 5;
const DONE_MARK = 'data: [DONE]';

interface Sink {
  ttfb: number[];
  total: number[];
  errors: number;
  errorSamples: Set<string>;
  elapsedMs: number;
  /** CPU ms by role, summed over measured windows. */
  cpuMs: Map<string, number | null>;
  rounds: LoadResult['rounds'];
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
async function once(pool: Pool, t: LoadTarget, body: string, stream: boolean, sink: Sink | null): Promise<void> {
  const t0 = nowMs();
  let firstByte = 0;
  let tail = '';
  try {
    const res = await pool.request({
      path: t.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...t.headers },
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

/** `concurrency` closed loops sharing one request budget and one deadline. */
async function closedLoop(pool: Pool, t: LoadTarget, spec: LoadSpec, maxRequests: number, maxDurationMs: number, sink: Sink | null): Promise<void> {
  const bodies = { stream: requestBody(t.model, true), json: requestBody(t.model, false) };
  const deadline = nowMs() + maxDurationMs;
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < maxRequests && nowMs() < deadline) {
      const n = issued++;
      const stream = spec.mode === 'stream' || (spec.mode === 'mixed' && n % 2 === 0);
      await once(pool, t, stream ? bodies.stream : bodies.json, stream, sink);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
}

function cpuSnapshot(t: LoadTarget): Map<string, number | null> {
  const m = new Map<string, number | null>([['loadgen', selfCpuMs()]]);
  for (const [role, pid] of Object.entries(t.cpuPids)) m.set(role, processCpuMs(pid));
  return m;
}

/** One measured round for one target; adds its samples, window and CPU time to `sink`. */
async function measuredRound(pool: Pool, t: LoadTarget, spec: LoadSpec, sink: Sink): Promise<void> {
  const cpu0 = cpuSnapshot(t);
  const done0 = sink.total.length;
  const t0 = nowMs();
  await closedLoop(pool, t, spec, spec.roundMaxRequests, spec.roundMaxDurationMs, sink);
  const elapsed = nowMs() - t0;
  const done = sink.total.length - done0;
  sink.elapsedMs += elapsed;
  const roundCpu: Record<string, number | null> = {};
  for (const [role, after] of cpuSnapshot(t)) {
    const before = cpu0.get(role) ?? null;
    const sum = sink.cpuMs.has(role) ? (sink.cpuMs.get(role) ?? null) : 0;
    // Once unreadable (process gone, no /proc), the role's total stays unknown.
    sink.cpuMs.set(role, after === null || before === null || sum === null ? null : sum + after - before);
    roundCpu[role] = after === null || before === null || done === 0 ? null : ((after - before) * 1000) / done;
  }
  sink.rounds.push({ rps: elapsed > 0 ? (done * 1000) / elapsed : 0, cpuUsPerRequest: roundCpu });
}

/** Every k-th value, so at most `max` remain spread over the whole run; rounded to µs. */
function thinned(xs: number[], max: number): number[] {
  const step = Math.max(1, Math.ceil(xs.length / max));
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += step) out.push(Math.round((xs[i] as number) * 1000) / 1000);
  return out;
}

function toResult(t: LoadTarget, s: Sink): LoadResult {
  const completed = s.total.length;
  const cpuUsPerRequest: Record<string, number | null> = {};
  for (const [role, ms] of s.cpuMs) cpuUsPerRequest[role] = ms === null || completed === 0 ? null : (ms * 1000) / completed;
  return {
    target: t.name,
    completed,
    errors: s.errors,
    errorSamples: [...s.errorSamples],
    elapsedMs: s.elapsedMs,
    rps: s.elapsedMs > 0 ? (completed * 1000) / s.elapsedMs : 0,
    ttfb: summarizeLatencies(s.ttfb),
    total: summarizeLatencies(s.total),
    totalSample: thinned(s.total, TOTAL_SAMPLE_MAX),
    cpuUsPerRequest,
    rounds: s.rounds,
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult[]> {
  for (const t of spec.targets) {
    const host = new URL(t.origin).hostname;
    if (!LOOPBACK.has(host)) throw new Error(`refusing non-loopback target ${t.name}: ${host}`);
  }
  const pools = spec.targets.map((t) => new Pool(t.origin, { connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 60_000 }));
  const sinks: Sink[] = spec.targets.map(() => ({ ttfb: [], total: [], errors: 0, errorSamples: new Set(), elapsedMs: 0, cpuMs: new Map(), rounds: [] }));
  try {
    for (let round = 0; round < spec.rounds; round++) {
      const order = [...spec.targets.entries()];
      if (spec.order === 'alternate' && round % 2 === 1) order.reverse();
      for (const [i, t] of order) {
        const pool = pools[i] as Pool;
        // Warm-up right before the first round, so the target is warm when it is measured.
        if (round === 0 && spec.warmupRequests > 0 && spec.warmupMaxDurationMs > 0) {
          await closedLoop(pool, t, spec, spec.warmupRequests, spec.warmupMaxDurationMs, null);
        }
        await measuredRound(pool, t, spec, sinks[i] as Sink);
      }
    }
    return spec.targets.map((t, i) => toResult(t, sinks[i] as Sink));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = LoadSpec.parse(JSON.parse(process.argv[2] ?? 'null'));
  const results = await runLoad(spec);
  process.stdout.write(JSON.stringify(results) + '\n');
}
