// The floor of a *measuring* gateway (issue #16), beside the naive pass-through's: the least
// agentab's pass-through does per request, written straight: read and parse the client's JSON,
// forward the bytes to one upstream, read the answer and parse it (the whole JSON, or every SSE
// data line), answer the client, and queue a spend line (batched appends). No routing table,
// retries, deadlines, auth, metrics or per-phase timing. bench/floor.ts runs it beside the naive
// pass-through and agentab; `node bench/lib/lean-gateway.mjs <upstream origin> <spend file>`
// prints its URL.
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { pool, serve } from './gateway-process.mjs';

const spendPath = process.argv[3];
let pending = [];
let flushTimer = null;
const flush = () => {
  flushTimer = null;
  const lines = pending;
  pending = [];
  void appendFile(spendPath, lines.join('\n') + '\n');
};

/** The usage an SSE chunk's data lines carry, if any. */
function usageOfFrames(text, usage) {
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const frame = JSON.parse(line.slice(6));
    if (frame.usage) usage = frame.usage;
  }
  return usage;
}

/** The request body, collected from its events. */
function bodyOf(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

serve(async (req, res) => {
  const bytes = await bodyOf(req);
  const started = performance.now();
  const body = JSON.parse(bytes.toString('utf8'));
  const upstream = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
  let usage = null;
  if (body.stream === true) {
    res.writeHead(upstream.statusCode, { 'content-type': 'text/event-stream' });
    for await (const chunk of upstream.body) {
      res.write(chunk);
      usage = usageOfFrames(chunk.toString('utf8'), usage);
    }
    res.end();
  } else {
    const parts = [];
    for await (const chunk of upstream.body) parts.push(chunk);
    const answer = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    usage = JSON.parse(answer.toString('utf8')).usage ?? null;
    res.writeHead(upstream.statusCode, { 'content-type': 'application/json', 'content-length': String(answer.length) });
    res.end(answer);
  }
  pending.push(JSON.stringify({ id: randomUUID(), ts: new Date().toISOString(), alias: body.model, status: upstream.statusCode, usage, ms: performance.now() - started }));
  flushTimer ??= setTimeout(flush, 200);
});
