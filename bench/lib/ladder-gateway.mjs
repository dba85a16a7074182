// The lean measuring gateway (lean-gateway.mjs) with agentab's own per-request primitives added
// rung by rung (issue #16): what each of them costs a pass-through on its own, without the
// pipeline around them (server routing, auth, the router, surfaces, backends, attempts). Each rung
// keeps every rung below it:
//   0 lean     the lean gateway's work: parse both bodies (the answer, or every SSE data line), a small spend line
//   1 body     agentab's request parse (util/json-bytes parseJsonBytes) and body splice (util/json-splice)
//   2 taps     agentab's usage taps: the deferring SSE tap (openAISseTapCore) and openAIJsonTap
//   3 record   a CallRecord with phase marks and the upstream timer, its spend record, the SpendWriter
//   4 metrics  ProxyMetrics.observe of every record
//   5 guards   the attempt's deadlines (startDeadline, its signal to undici), readBody's limit and timeout,
//              ClientGone and the response's close listener
//   6 writer   the ResponseWriter (streams corked per turn, JSON with a content-length)
// It imports the compiled modules from dist/ (bench/floor.ts builds it first when stale).
// `node bench/lib/ladder-gateway.mjs <upstream origin> <spend file> <rung>` prints its URL.
import { randomUUID } from 'node:crypto';
import { batchedLines, bodyOf, pool, serve, usageOfFrames } from './gateway-process.mjs';
import { parseJsonBytes } from '../../dist/util/json-bytes.js';
import { spliceTopLevel } from '../../dist/util/json-splice.js';
import { openAIJsonTap, openAISseTapCore } from '../../dist/proxy/protocols/openai-chat/tap.js';
import { CallRecord } from '../../dist/proxy/call-record.js';
import { UpstreamTimer } from '../../dist/proxy/backends/types.js';
import { SpendWriter } from '../../dist/proxy/spend/writer.js';
import { ProxyMetrics } from '../../dist/proxy/metrics.js';
import { startDeadline } from '../../dist/proxy/upstream/deadline.js';
import { ClientGone } from '../../dist/proxy/client-gone.js';
import { ResponseWriter, readBody } from '../../dist/proxy/http-io.js';
import { isoTimestamp } from '../../dist/util/iso-timestamp.js';
import { RUNGS } from './ladder-rungs.mjs';

const spendPath = process.argv[3];
const rung = Number(process.argv[4]);
if (!(rung >= 0 && rung < RUNGS.length)) throw new Error(`rung: 0–${RUNGS.length - 1}, got ${process.argv[4]}`);
const at = (name) => rung >= RUNGS.indexOf(name);

// As bench/lib/targets.ts configures agentab: one OpenAI-compatible deployment of `sim-model`, unpriced.
const deployment = { id: 'bench#0', alias: 'bench', provider: 'openai', model: 'sim-model', timeoutMs: 600_000, maxRetries: 0 };
const STREAM_EDITS = { set: { model: deployment.model, stream_options: { include_usage: true } } };
const JSON_EDITS = { set: { model: deployment.model } };
const UPSTREAM_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'accept-encoding': 'identity' };
const STREAM_HEAD = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };

const writer = at('record') ? new SpendWriter(spendPath) : undefined;
const metrics = at('metrics') ? new ProxyMetrics() : undefined;

// Rung 0's spend lines, batched as lean-gateway.mjs batches them.
const queueLeanLine = batchedLines(spendPath);

/** Collects a body from its events; `onChunk` sees each chunk first. */
function collect(body, onChunk) {
  return new Promise((resolve, reject) => {
    body.on('data', onChunk);
    body.once('end', resolve);
    body.once('error', reject);
  });
}

serve(async (req, res) => {
  const record = at('record')
    ? new CallRecord({ id: randomUUID(), startedAt: performance.now(), ts: isoTimestamp(Date.now()), cell: null, run: null, surface: 'openai', path: req.url, endpoint: 'chat', client: req.headers['user-agent'] ?? null, session: null, reqBytes: 0 })
    : undefined;
  let gone;
  let onClose;
  if (at('guards')) {
    gone = new ClientGone();
    onClose = () => {
      if (!res.writableFinished) gone.abort(new Error('client closed the connection'));
    };
    res.once('close', onClose);
  }
  const bytes = at('guards') ? await readBody(req, 32 << 20, 60_000, () => record?.bodyReceived()) : await bodyOf(req);
  const started = performance.now();
  const body = at('body') ? parseJsonBytes(bytes) : JSON.parse(bytes.toString('utf8'));
  record?.mark('bodyRead');
  const streamed = body.stream === true;
  const timer = record ? new UpstreamTimer() : undefined;
  if (record) {
    record.alias = body.model;
    record.stream = streamed;
    record.deployment = deployment;
    record.attempts = 1;
    record.timer = timer;
  }
  const payload = at('body') ? spliceTopLevel(bytes, streamed ? STREAM_EDITS : JSON_EDITS) : bytes;
  const deadline = gone ? startDeadline(gone, { totalMs: deployment.timeoutMs, ttftMs: streamed ? 300_000 : undefined, model: deployment.model }) : undefined;
  timer?.begin();
  const upstream = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: UPSTREAM_HEADERS, body: payload, ...(deadline ? { signal: deadline.signal } : {}) });
  timer?.end();
  record?.mark('upstreamAnswered');
  const firstByte = () => {
    if (!timer || timer.firstByteAt !== undefined) return;
    deadline?.firstByte();
    timer.firstByte();
  };
  const out = at('writer') ? new ResponseWriter(res) : undefined;
  let usage = null;
  if (streamed) {
    const tap = at('taps')
      ? openAISseTapCore({
          hideUsageChunk: true,
          deferReading: true,
          now: record ? record.now : () => performance.now(),
          onUsage: (u) => (record ? record.addUsage(u) : (usage = u)),
          onFirstContent: (arrivedAt) => record?.firstContent(arrivedAt),
          onFinish: (reason, toolCalls) => {
            if (!record) return;
            record.finish = reason;
            record.toolCalls = toolCalls;
          },
          onError: (e) => {
            if (record) record.error = e;
          },
        })
      : undefined;
    const send = (bytesOut) => {
      if (!bytesOut.length) return;
      const chunk = typeof bytesOut === 'string' ? Buffer.from(bytesOut) : bytesOut;
      if (out) out.write(chunk);
      else res.write(chunk);
    };
    if (out) out.startStream(upstream.statusCode);
    else res.writeHead(upstream.statusCode, STREAM_HEAD);
    await collect(upstream.body, (chunk) => {
      firstByte();
      if (tap) return send(tap.push(chunk));
      res.write(chunk);
      usage = usageOfFrames(chunk.toString('utf8'), usage);
    });
    if (tap) send(tap.end());
    if (out) out.end();
    else res.end();
    tap?.settle();
  } else {
    const parts = [];
    await collect(upstream.body, (chunk) => {
      firstByte();
      parts.push(chunk);
    });
    const answer = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    const json = JSON.parse(answer.toString('utf8'));
    if (out) out.raw(upstream.statusCode, answer, { 'content-type': 'application/json' });
    else {
      res.writeHead(upstream.statusCode, { 'content-type': 'application/json', 'content-length': String(answer.length) });
      res.end(answer);
    }
    if (at('taps')) {
      const tapped = openAIJsonTap(json);
      if (record) {
        if (tapped.usage) record.addUsage(tapped.usage);
        record.finish = tapped.finish ?? null;
        record.toolCalls = tapped.toolCalls;
      } else usage = tapped.usage ?? null;
    } else usage = json.usage ?? null;
  }
  deadline?.done();
  if (onClose) res.off('close', onClose);
  if (record) {
    record.mark('responded');
    const spend = record.build([]);
    writer.write(spend);
    metrics?.observe(spend);
    return;
  }
  queueLeanLine(JSON.stringify({ id: randomUUID(), ts: new Date().toISOString(), alias: body.model, status: upstream.statusCode, usage, ms: performance.now() - started }));
});
