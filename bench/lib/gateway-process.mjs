// What the bench's two small gateways (naive-gateway.mjs, lean-gateway.mjs) share as processes:
// one undici pool to the upstream origin given as the first argument, an HTTP server on
// 127.0.0.1 at a free port printed as the first line of stdout, a 502 for any failure, and
// SIGTERM to stop.
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
