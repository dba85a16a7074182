// The floor any Node gateway pays (issue #16): a ~20-line undici pass-through with no parsing,
// no routing, no logging. `node bench/lib/naive-gateway.mjs <upstream origin>` prints its URL.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.argv[2], { connections: 512, keepAliveTimeout: 30_000 });
const server = createServer(async (req, res) => {
  try {
    const up = await pool.request({ path: req.url, method: req.method, headers: { 'content-type': 'application/json' }, body: req });
    res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] ?? 'application/json' });
    for await (const chunk of up.body) res.write(chunk);
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => pool.close().then(() => process.exit(0))));
