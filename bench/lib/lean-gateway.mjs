// The floor of a *measuring* gateway (issue #16), beside the naive pass-through's: the least
// agentab's pass-through does per request, written straight: read and parse the client's JSON,
// forward the bytes to one upstream, read the answer and parse it (the whole JSON, or every SSE
// data line), answer the client, and queue a spend line (batched appends). No routing table,
// retries, deadlines, auth, metrics or per-phase timing. bench/floor.ts runs it beside the naive
// pass-through and agentab; `node bench/lib/lean-gateway.mjs <upstream origin> <spend file> [unread]`
// prints its URL. With `unread` it forwards the answer without reading it (no parse of the JSON
// answer or of any SSE frame, no usage in its line): the same gateway less what reading costs,
// which a measuring gateway cannot skip (floor.ts --unread).
import { randomUUID } from 'node:crypto';
import { batchedLines, bodyOf, pool, serve, usageOfFrames } from './gateway-process.mjs';

const queueSpendLine = batchedLines(process.argv[3]);
const readsAnswer = process.argv[4] !== 'unread';

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
      if (readsAnswer) usage = usageOfFrames(chunk.toString('utf8'), usage);
    }
    res.end();
  } else {
    const parts = [];
    for await (const chunk of upstream.body) parts.push(chunk);
    const answer = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    if (readsAnswer) usage = JSON.parse(answer.toString('utf8')).usage ?? null;
    res.writeHead(upstream.statusCode, { 'content-type': 'application/json', 'content-length': String(answer.length) });
    res.end(answer);
  }
  queueSpendLine(JSON.stringify({ id: randomUUID(), ts: new Date().toISOString(), alias: body.model, status: upstream.statusCode, usage, ms: performance.now() - started }));
});
