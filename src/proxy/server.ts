/**
 * The proxy's HTTP server: routes, authentication, cell attribution, and errors in the
 * caller's own API shape. node:http types stop here and in http-io.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ProxyConfig } from '../config/types.ts';
import type { Logger } from '../util/log.ts';
import { checkAuth, presentedKey } from './auth.ts';
import type { CellContext } from './backends/types.ts';
import { CallRecord } from './call-record.ts';
import { countPromptTokens } from './count-tokens.ts';
import { ProxyError } from '../canonical/errors.ts';
import { parseJsonBody, readBody, ResponseWriter } from './http-io.ts';
import type { ProxyMetrics } from './metrics.ts';
import { runModelCall, type PipelineDeps } from './pipeline.ts';
import type { RouteTable, Routed } from './route-table.ts';
import type { Router } from './router.ts';
import type { SpendRecord } from './spend/record.ts';

export interface ServerDeps extends PipelineDeps {
  config: ProxyConfig;
  router: Router;
  metrics: ProxyMetrics;
  log: Logger;
  runId: string | null;
  /** What the orchestrator registered per cell id (opaque here; backends read it from CellContext). */
  cells: Map<string, Readonly<Record<string, unknown>>>;
  routes: RouteTable;
  /** Receives every spend record (the batched writer, listeners). */
  emit(rec: SpendRecord): void;
  /** Strings to scrub from any error text that is logged or recorded. */
  secrets: readonly (string | undefined)[];
  /** Record the proxy's own phases of each call in its spend line (default on; see call-phases.ts). */
  phaseTiming?: boolean;
}

const CELL_PREFIX = /^\/cell\/([A-Za-z0-9._:-]{1,128})(\/.*)?$/;
const AGENTAB_HEADER = 'x-agentab-';
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface Located {
  path: string;
  cellId: string | undefined;
}

function locate(req: IncomingMessage): Located {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let path = q >= 0 ? url.slice(0, q) : url;
  let cellId: string | undefined;
  const m = CELL_PREFIX.exec(path);
  if (m) {
    cellId = m[1];
    path = m[2] ?? '/';
  }
  cellId ??= header(req, 'x-cell-id') || undefined;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { path, cellId };
}

function cellContext(deps: ServerDeps, req: IncomingMessage, cellId: string | undefined): CellContext {
  let headers: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(AGENTAB_HEADER) || value === undefined) continue;
    (headers ??= {})[name] = Array.isArray(value) ? value[0]! : value;
  }
  return { id: cellId, registered: (cellId && deps.cells.get(cellId)) || EMPTY, headers: headers ?? EMPTY as Record<string, string> };
}

export interface ProxyServer {
  server: Server;
  /** Resolves when every request handler started so far has finished (its spend line emitted). */
  idle(): Promise<void>;
}

export function createProxyServer(deps: ServerDeps): ProxyServer {
  const inflight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = handle(deps, req, res).catch((e) => {
      deps.log.error('unhandled error in request handler', { error: (e as Error).message });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'internal error', type: 'api_error', code: 'internal_error' } }));
      } else res.destroy();
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams may legitimately last as long as the upstream timeout
  return {
    server,
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const { path, cellId } = locate(req);
  const w = new ResponseWriter(res);
  const routed = deps.routes.match(method, path);
  if (routed) {
    await handleModelRequest(deps, req, w, routed, path, cellId);
    return;
  }
  if ((method === 'GET' || method === 'HEAD') && path === '/') {
    w.raw(200, method === 'HEAD' ? '' : 'agentab proxy\n', { 'content-type': 'text/plain' });
    return;
  }
  if (method === 'GET' && (path === '/health/liveliness' || path === '/health/liveness')) {
    w.json(200, "I'm alive!");
    return;
  }
  if (method === 'GET' && (path === '/health/readiness' || path === '/health')) {
    w.json(200, { status: 'healthy', models: deps.router.aliases().length, run: deps.runId });
    return;
  }
  if (method === 'GET' && path === '/metrics') {
    const m = await deps.metrics.render();
    w.raw(200, m.body, { 'content-type': m.contentType });
    return;
  }
  if (method === 'GET' && (path === '/v1/models' || path === '/models')) {
    try {
      checkAuth(deps.config.masterKey, presentedKey(req.headers), cellId);
    } catch (e) {
      const { status, body } = deps.routes.surfaceForPath(path).encodeError(ProxyError.from(e));
      w.json(status, body);
      return;
    }
    const data = deps.router.aliases().map((id) => ({ id, object: 'model', created: 0, owned_by: 'agentab' }));
    w.json(200, { object: 'list', data });
    return;
  }
  const err = new ProxyError(`no route for ${method} ${path}`, { code: 'not_found', kind: 'not_found' });
  const { status, body } = deps.routes.surfaceForPath(path).encodeError(err);
  w.json(status, body);
}

async function handleModelRequest(
  deps: ServerDeps,
  req: IncomingMessage,
  w: ResponseWriter,
  routed: Routed,
  path: string,
  cellId: string | undefined,
): Promise<void> {
  const { surface, route } = routed;
  const rec = new CallRecord({
    id: randomUUID(),
    startedAt: performance.now(),
    ts: new Date().toISOString(),
    cell: cellId ?? null,
    run: deps.runId,
    surface: surface.dialect,
    path,
    endpoint: route.endpoint,
    client: header(req, 'user-agent') ?? null,
    session: header(req, 'x-claude-code-session-id') ?? header(req, 'x-session-id') ?? null,
    reqBytes: Number(header(req, 'content-length') ?? 0) || 0,
  }, undefined, deps.phaseTiming !== false);
  const gone = new AbortController();
  const onClose = () => {
    if (!w.res.writableFinished) {
      gone.abort(new ProxyError('client closed the connection', { code: 'client_closed', kind: 'client_closed' }));
    }
  };
  w.res.once('close', onClose);
  try {
    checkAuth(deps.config.masterKey, presentedKey(req.headers), cellId);
    const buf = await readBody(req, deps.config.maxBodyBytes);
    rec.init.reqBytes = buf.length;
    const body = parseJsonBody(buf);
    rec.mark('bodyRead');
    if (route.model === 'path' && routed.params.model) rec.alias = routed.params.model;
    else if (typeof body.model === 'string') rec.alias = body.model;
    const cell = cellContext(deps, req, cellId);
    if (route.kind === 'count_tokens') {
      if (!surface.countTokens) throw new ProxyError(`${surface.dialect} has no token counting`, { code: 'not_found', kind: 'not_found' });
      const counted = await countPromptTokens(deps, surface.countTokens.decode(body, routed), cell, gone.signal);
      rec.deployment = counted.deployment;
      rec.attempts = 1;
      w.json(200, surface.countTokens.encode(counted.inputTokens));
      return;
    }
    await runModelCall(deps, {
      surface,
      match: routed,
      body,
      headers: req.headers,
      rec,
      w,
      clientGone: gone.signal,
      cell,
    });
  } catch (e) {
    const pe = rec.fail(gone.signal.aborted ? gone.signal.reason : e);
    if (pe.kind !== 'client_closed') {
      deps.log.warn('request failed', { cell: cellId, alias: rec.alias, code: pe.code, status: pe.status });
    }
    if (!w.res.headersSent && !w.res.destroyed) {
      const { status, body } = surface.encodeError(pe);
      const headers: Record<string, string> = {};
      if (pe.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(pe.retryAfterMs / 1000));
      w.json(status, body, headers);
    } else w.end();
  } finally {
    w.res.off('close', onClose);
    rec.mark('responded');
    rec.resBytes = w.bytes;
    const out = rec.build(deps.secrets);
    if (out) deps.emit(out);
  }
}
