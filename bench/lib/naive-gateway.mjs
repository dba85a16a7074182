// The floor any Node gateway pays (issue #16): a ~20-line undici pass-through (this file and
// gateway-process.mjs) with no parsing, no routing, no logging. `node bench/lib/naive-gateway.mjs <upstream origin>` prints its URL.
import { pool, serve } from './gateway-process.mjs';

serve(async (req, res) => {
  const up = await pool.request({ path: req.url, method: req.method, headers: { 'content-type': 'application/json' }, body: req });
  res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] ?? 'application/json' });
  for await (const chunk of up.body) res.write(chunk);
  res.end();
});
