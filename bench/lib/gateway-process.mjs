// What the bench's small gateways (naive-gateway.mjs, lean-gateway.mjs, ladder-gateway.mjs) share
// as processes: one undici pool to the upstream origin given as the first argument, an HTTP server
// on 127.0.0.1 at a free port printed as the first line of stdout, a 502 for any failure, and
// SIGTERM to stop; and the lean gateway's own work, which the ladder gateway's rung 0 repeats.
import { appendFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Pool } from 'undici';

export const pool = new Pool(process.argv[2], { connections: 512, keepAliveTimeout: 30_000 });

/** Serves `handle(req, res)` (async); a request it fails ends with a 502, or cut if the answer had begun. */
export function serve(handle) {
  const server = createServer((req, res) =>
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    }),
  );
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
  process.on('SIGTERM', () => server.close(() => pool.close().then(() => process.exit(0))));
}

/** The request body, collected from its events. */
export function bodyOf(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The usage an SSE chunk's data lines carry, if any (else `usage` as it was). */
export function usageOfFrames(text, usage) {
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const frame = JSON.parse(line.slice(6));
    if (frame.usage) usage = frame.usage;
  }
  return usage;
}

/** Spend lines appended to `path` in batches, every 200 ms; returns the function that queues one. */
export function batchedLines(path) {
  let pending = [];
  let timer = null;
  const flush = () => {
    timer = null;
    const lines = pending;
    pending = [];
    void appendFile(path, lines.join('\n') + '\n');
  };
  return (line) => {
    pending.push(line);
    timer ??= setTimeout(flush, 200);
  };
}
