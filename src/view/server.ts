/**
 * `agentab view`'s HTTP server: the front end, a JSON API over the run directories, and a
 * server-sent-events stream that says when a run's records change (a run in progress updates
 * live). node:http with a route table of its own: six GET routes do not need a framework.
 *
 * Safety: bound to 127.0.0.1 unless told otherwise; bound elsewhere, a token is required
 * (query `?token=` once, then a cookie, or `Authorization: Bearer`). Requests whose Host is not
 * this server's are refused (DNS rebinding). Every path the API touches is named by ids that
 * cannot hold a path (SAFE_ID), resolved with realpath and checked to lie inside a run directory.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../util/log.ts';
import { INDEX_HTML, loadAssets } from './assets.ts';
import { RunStore, ViewError, type CellFilter } from './store.ts';

export interface ViewServerOptions {
  inputs: string[];
  host?: string;
  port?: number;
  /** Required from clients when set (always set when `host` is not a loopback address). */
  token?: string;
  /** How often run directories are checked for new records (ms). */
  pollMs?: number;
  log: Logger;
}

export interface ViewServer {
  server: Server;
  store: RunStore;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');
const TOKEN_COOKIE = 'agentab_view_token';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function list(params: URLSearchParams, name: string): string[] | undefined {
  const values = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return values.length ? values : undefined;
}

function sameToken(given: string | undefined, want: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v;
  }
  return undefined;
}

/** Decodes each path segment once; a segment that decodes to a separator or dot-dot is refused. */
function segments(pathname: string): string[] {
  const out: string[] = [];
  for (const raw of pathname.split('/').filter(Boolean)) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new ViewError('bad percent-encoding in the path', 400, 'bad_path');
    }
    if (seg === '..' || seg === '.' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) throw new ViewError('refused: the path leaves the results', 400, 'bad_path');
    out.push(seg);
  }
  return out;
}

export async function startViewServer(o: ViewServerOptions): Promise<ViewServer> {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host) && !o.token) throw new ViewError(`binding to ${host} (not loopback) needs a token (--token)`, 400, 'token_required');
  const store = new RunStore(o.inputs);
  await store.refresh();
  const listeners = new Set<ServerResponse>();
  let closing = false;
  let port = o.port ?? 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://view.invalid');
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (isLoopback(host) && !isLoopback(hostHeader)) throw new ViewError(`refused: Host ${JSON.stringify(req.headers.host ?? '')} is not this server`, 403, 'bad_host');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ViewError(`method ${req.method} not allowed (the viewer only reads)`, 405, 'method_not_allowed');
    if (o.token) {
      const given = url.searchParams.get('token') ?? cookieToken(req) ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
      if (!sameToken(given ?? undefined, o.token)) throw new ViewError('this viewer needs its token: open the URL it printed', 401, 'unauthorized');
      if (url.searchParams.get('token')) res.setHeader('set-cookie', `${TOKEN_COOKIE}=${o.token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const parts = segments(url.pathname);
    if (parts.length === 0) return send(res, 200, 'text/html; charset=utf-8', INDEX_HTML);
    if (parts.length === 1 && parts[0] === 'app.js') return send(res, 200, 'text/javascript; charset=utf-8', (await loadAssets()).js);
    if (parts.length === 1 && parts[0] === 'app.css') return send(res, 200, 'text/css; charset=utf-8', (await loadAssets()).css);
    if (parts[0] !== 'api') throw new ViewError(`no page at ${url.pathname}`, 404, 'not_found');
    const [, what, key, sub, cell, tail, name] = parts;
    const q = url.searchParams;
    if (what === 'runs' && parts.length === 2) return sendJson(res, 200, { runs: await store.refresh() });
    if (what === 'events' && parts.length === 2) return openEvents(res);
    if (what === 'compare' && parts.length === 2) {
      const a = q.get('a');
      const b = q.get('b');
      if (!a || !b) throw new ViewError('compare needs ?a=<run>&b=<run>', 400, 'bad_compare');
      return sendJson(res, 200, await store.compare(a, b));
    }
    if (what === 'runs' && key) {
      if (parts.length === 3) return sendJson(res, 200, await store.overview(key));
      if (sub === 'plots' && parts.length === 4) return sendJson(res, 200, await store.plotsOf(key));
      if (sub === 'cells' && parts.length === 4) {
        const filter: CellFilter = { runner: list(q, 'runner'), condition: list(q, 'condition'), task: list(q, 'task'), outcome: list(q, 'outcome'), q: q.get('q') ?? undefined };
        const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
        const limit = Math.min(1000, Math.max(1, Number(q.get('limit') ?? 200) || 200));
        return sendJson(res, 200, await store.cells(key, filter, offset, limit));
      }
      if (sub === 'cells' && cell && parts.length === 5) return sendJson(res, 200, await store.cell(key, cell));
      if (sub === 'cells' && cell && tail === 'bundle' && parts.length === 6) {
        const bundle = await store.bundle(key, cell);
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="agentab-debug-${cell}.tar.gz"`, 'cache-control': 'no-store', ...SECURITY_HEADERS });
        const stream = createReadStream(bundle.archive);
        stream.pipe(res);
        stream.on('close', () => void rm(bundle.dir, { recursive: true, force: true }));
        return;
      }
      if (sub === 'cells' && cell && tail === 'files' && name && parts.length === 7) {
        const file = await store.cellFile(key, cell, name);
        if (!file) throw new ViewError(`cell ${cell} has no ${name}`, 404, 'no_such_file');
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `inline; filename="${cell}-${name}"`, 'cache-control': 'no-store', ...SECURITY_HEADERS });
        createReadStream(file).pipe(res);
        return;
      }
    }
    throw new ViewError(`no API route ${url.pathname}`, 404, 'not_found');
  };

  const openEvents = (res: ServerResponse): void => {
    if (closing) throw new ViewError('the viewer is shutting down', 503, 'closing');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', ...SECURITY_HEADERS });
    res.write(': agentab view live updates\n\n');
    listeners.add(res);
    res.on('close', () => listeners.delete(res));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof ViewError ? e.status : 500;
      const code = e instanceof ViewError ? e.code : 'internal_error';
      if (status === 500) o.log.error('view request failed', { path: req.url, error: (e as Error).message });
      if (!res.headersSent) sendJson(res, status, { error: { code, message: (e as Error).message } });
      else res.end();
    });
  });

  // Live updates: a run whose records or manifest changed is announced to every open page.
  let stamps = new Map(store.summaries().map((s) => [s.key, s.stamp]));
  let polling = false;
  const poll = setInterval(() => {
    if (polling || listeners.size === 0) return;
    polling = true;
    store
      .refresh()
      .then((runs) => {
        const next = new Map(runs.map((s) => [s.key, s.stamp]));
        for (const run of runs) {
          if (stamps.get(run.key) === run.stamp) continue;
          const data = `event: run\ndata: ${JSON.stringify({ key: run.key, recorded: run.recorded, status: run.status })}\n\n`;
          for (const l of listeners) l.write(data);
        }
        stamps = next;
      })
      .catch((e: unknown) => o.log.warn('could not refresh runs', { error: (e as Error).message }))
      .finally(() => {
        polling = false;
      });
  }, o.pollMs ?? 1000);
  poll.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/${o.token ? `?token=${o.token}` : ''}`;
  return {
    server,
    store,
    url,
    async close() {
      // An open page's EventSource reconnects on a kept-alive connection as soon as its stream
      // ends, so server.close() alone would wait for it forever: refuse new streams, end the
      // open ones, and drop every connection now (close's callback fires once they are gone).
      closing = true;
      clearInterval(poll);
      for (const l of listeners) l.end();
      listeners.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
