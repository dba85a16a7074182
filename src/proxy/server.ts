/**
 * The proxy's HTTP server: routes, authentication, cell attribution, and errors in the
 * caller's own API shape. node:http types stop here and in http-io.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { isoTimestamp } from '../util/iso-timestamp.ts';
import type { ProxyConfig } from '../config/types.ts';
import type { Logger } from '../util/log.ts';
import { checkAuth, presentedKey } from './auth.ts';
import type { CellContext } from './backends/types.ts';
import { CallRecord } from './call-record.ts';
import { ClientGone } from './client-gone.ts';
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

/** A cell id, in the path prefix and in X-Cell-Id alike: starts alphanumeric (no `.`/`..`), at most 128 characters. */
const CELL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CELL_PREFIX = /^\/cell\/([^/]*)(\/.*)?$/;
const AGENTAB_HEADER = 'x-agentab-';
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface Located {
  path: string;
  cellId: string | undefined;
  /** The cell id given (path or header) is not a valid id: the request is refused with 400. */
  badCellId?: ProxyError;
}

function badCellId(where: string, id: string): ProxyError {
  const shown = id.length > 40 ? `${JSON.stringify(id.slice(0, 40))}… (${id.length} characters)` : JSON.stringify(id);
  return new ProxyError(
    `invalid cell id ${shown} in ${where}: expected 1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit`,
    { code: 'invalid_cell_id', kind: 'invalid_request' },
  );
}

function locate(req: IncomingMessage): Located {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let path = q >= 0 ? url.slice(0, q) : url;
  let cellId: string | undefined;
  const m = CELL_PREFIX.exec(path);
  if (m) {
    path = m[2] ?? '/';
    let id = m[1]!;
    try {
      id = decodeURIComponent(id);
    } catch {
      // keep it raw; it fails the check below
    }
    if (!CELL_ID.test(id)) return { path, cellId: undefined, badCellId: badCellId('the path prefix /cell/<id>', id) };
    cellId = id;
  }
  const fromHeader = header(req, 'x-cell-id');
  if (cellId === undefined && fromHeader !== undefined && fromHeader !== '') {
    if (!CELL_ID.test(fromHeader)) return { path, cellId: undefined, badCellId: badCellId('X-Cell-Id', fromHeader) };
    cellId = fromHeader;
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { path, cellId };
}

function cellContext(deps: ServerDeps, req: IncomingMessage, cellId: string | undefined): CellContext {
  let headers: Record<string, string> | undefined;
  const all = req.headers;
  // for…in rather than Object.entries: no array of pairs per request (the pass-through's hot path)
  for (const name in all) {
    const value = all[name];
    if (!name.startsWith(AGENTAB_HEADER) || value === undefined) continue;
    (headers ??= {})[name] = Array.isArray(value) ? value[0]! : value;
  }
  return { id: cellId, registered: (cellId && deps.cells.get(cellId)) || EMPTY, headers: headers ?? EMPTY as Record<string, string> };
}

export interface ProxyServer {
  server: Server;
  /** Resolves when every request handler started so far has finished (its spend line emitted). */
  idle(): Promise<void>;
  /**
   * The proxy is going away (grace expired, a second signal): every request still in flight is
   * aborted with a `shutdown` error and its spend record emitted now, synchronously, so an
   * exit right after loses none. Returns how many were cut.
   */
  cutInflight(): number;
}

/** What the server must reach of a request in flight to cut it at shutdown. */
interface InflightCall {
  rec: CallRecord;
  gone: ClientGone;
  /** A streamed answer already started: the client saw a 200, the failure is mid-stream. */
  started(): boolean;
  /** Its index in InflightCalls (-1 once removed). */
  slot: number;
}

/**
 * The calls in flight, for cutInflight: an array in which each call knows its slot, removed by
 * moving the last call into it. Not a Set: a Set that gains and loses an entry per request
 * rebuilds its hash table every few requests, and under load that made each young-generation
 * collection keep 0.6 MB alive and promote 0.35 MB (whole requests: IncomingMessage,
 * ServerResponse, call records), against 0.37 and 0.14 MB with this array (`--trace-gc-nvp`,
 * 60,000 JSON requests at c=16; bench/PROFILE.md, twelfth pass).
 */
class InflightCalls {
  private readonly list: InflightCall[] = [];

  add(call: InflightCall): void {
    call.slot = this.list.length;
    this.list.push(call);
  }

  delete(call: InflightCall): void {
    if (call.slot < 0) return;
    const last = this.list.pop()!;
    if (last !== call) {
      this.list[call.slot] = last;
      last.slot = call.slot;
    }
    call.slot = -1;
  }

  /** A copy: cutting a call may remove it from the list. */
  all(): InflightCall[] {
    return this.list.slice();
  }
}

export function shutdownError(): ProxyError {
  return new ProxyError('the proxy shut down before the request finished', { code: 'shutdown', kind: 'unavailable' });
}

export function createProxyServer(deps: ServerDeps): ProxyServer {
  // Handlers in flight are counted, not kept as promises in a set: a `.catch` and a `.finally`
  // on every request's promise cost three promises and their closures per request for nothing
  // but idle() (measured on the pass-through's hot path).
  let active = 0;
  let idleWaiters: (() => void)[] = [];
  const settled = () => {
    if (--active > 0 || idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };
  const calls = new InflightCalls();
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, deps.config.requestHeaderTimeoutMs) }, (req, res) => {
    // A request is being served: the connection may be quiet for as long as the upstream takes
    // (Node restores the keep-alive idle timeout once the response is finished).
    req.socket.setTimeout(0);
    active++;
    void serve(deps, req, res, calls, settled);
  });
  applyConnectionLimits(server, deps.config, deps.log);
  return {
    server,
    async idle() {
      while (active > 0) await new Promise<void>((wake) => idleWaiters.push(wake));
    },
    cutInflight() {
      const cut = calls.all();
      for (const call of cut) {
        const e = shutdownError();
        call.gone.abort(e);
        if (call.started()) call.rec.midStreamError(e);
        else call.rec.fail(e);
        const out = call.rec.build(deps.secrets);
        if (out) deps.emit(out);
      }
      return cut.length;
    },
  };
}

/**
 * Connection limits (general_settings): a connection that sends no request within the header
 * timeout is closed (Node's headersTimeout only starts at a request's first byte, so idle
 * sockets would otherwise stay open forever); keep-alive connections idle longer than the idle
 * timeout are closed; connections beyond the cap are closed at once. Request bodies have their
 * own timeout (readBody). `requestTimeout` stays 0: it would also bound the body-less waiting
 * of a long upstream call.
 */
function applyConnectionLimits(server: Server, config: ProxyConfig, log: Logger): void {
  // The header timeout of a new connection is armed once, here, rather than through
  // server.timeout: Node re-arms server.timeout at every request of a keep-alive connection, and
  // the request handler clears it again (a quiet connection may wait on a long upstream call), so
  // it cost a timer set and cleared on every request for nothing. A socket timeout with no
  // listener of ours destroys the socket (Node's own socket 'timeout' handler), as before.
  server.timeout = 0;
  server.on('connection', (socket: Socket) => socket.setTimeout(config.requestHeaderTimeoutMs));
  server.headersTimeout = config.requestHeaderTimeoutMs;
  server.keepAliveTimeout = config.idleTimeoutMs;
  server.requestTimeout = 0;
  server.maxConnections = config.maxConnections;
  let lastDropWarning = 0;
  server.on('drop', () => {
    const now = Date.now();
    if (now - lastDropWarning < 10_000) return;
    lastDropWarning = now;
    log.warn(`connection refused: ${config.maxConnections} client connections are open (general_settings.max_connections)`);
  });
}

/** One request, start to end: whatever escapes the handler is a 500 (or a cut connection once the answer began); `settled` always runs. */
async function serve(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, calls: InflightCalls, settled: () => void): Promise<void> {
  try {
    const handling = handle(deps, req, res, calls);
    if (handling) await handling;
  } catch (e) {
    deps.log.error('unhandled error in request handler', { error: (e as Error).message });
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'internal error', type: 'api_error', code: 'internal_error' } }));
    } else res.destroy();
  } finally {
    settled();
  }
}

/**
 * Routes a request. Not async: a model call's promise is handed back as it is, rather than
 * awaited inside another async frame (one promise and one frame fewer per call); the routes
 * answered at once return nothing.
 */
function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, calls: InflightCalls): Promise<void> | undefined {
  const method = req.method ?? 'GET';
  const { path, cellId, badCellId } = locate(req);
  const w = new ResponseWriter(res);
  if (badCellId) {
    const { status, body } = deps.routes.surfaceForPath(path).encodeError(badCellId);
    w.json(status, body);
    return;
  }
  const routed = deps.routes.match(method, path);
  if (routed) return handleModelRequest(deps, req, w, routed, path, cellId, calls);
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
    return deps.metrics.render().then((m) => w.raw(200, m.body, { 'content-type': m.contentType }));
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
  calls: InflightCalls,
): Promise<void> {
  const { surface, route } = routed;
  const rec = new CallRecord({
    id: randomUUID(),
    startedAt: performance.now(),
    ts: isoTimestamp(Date.now()),
    cell: cellId ?? null,
    run: deps.runId,
    surface: surface.dialect,
    path,
    endpoint: route.endpoint,
    client: header(req, 'user-agent') ?? null,
    session: header(req, 'x-claude-code-session-id') ?? header(req, 'x-session-id') ?? null,
    reqBytes: Number(header(req, 'content-length') ?? 0) || 0,
  }, undefined, deps.phaseTiming !== false);
  const gone = new ClientGone();
  const onClose = () => {
    if (!w.res.writableFinished) {
      gone.abort(new ProxyError('client closed the connection', { code: 'client_closed', kind: 'client_closed' }));
    }
  };
  // `on`, not `once` (no wrapper per request): removed in the finally below, and a response closes once.
  w.res.on('close', onClose);
  const call: InflightCall = { rec, gone, started: () => w.res.headersSent, slot: -1 };
  calls.add(call);
  try {
    checkAuth(deps.config.masterKey, presentedKey(req.headers), cellId);
    const buf = await readBody(req, deps.config.maxBodyBytes, deps.config.requestBodyTimeoutMs, () => rec.bodyReceived());
    rec.init.reqBytes = buf.length;
    const body = parseJsonBody(buf);
    rec.mark('bodyRead');
    if (route.model === 'path' && routed.params.model) rec.alias = routed.params.model;
    else if (typeof body.model === 'string') rec.alias = body.model;
    const cell = cellContext(deps, req, cellId);
    if (route.kind === 'count_tokens') {
      if (!surface.countTokens) throw new ProxyError(`${surface.dialect} has no token counting`, { code: 'not_found', kind: 'not_found' });
      const counted = await countPromptTokens(deps, surface.countTokens.decode(body, routed), cell, gone);
      rec.deployment = counted.deployment;
      rec.attempts = 1;
      w.json(200, surface.countTokens.encode(counted.inputTokens));
      return;
    }
    await runModelCall(deps, {
      surface,
      match: routed,
      body,
      bodyBytes: buf,
      headers: req.headers,
      rec,
      w,
      clientGone: gone,
      cell,
    });
  } catch (e) {
    const pe = rec.fail(gone.aborted ? gone.reason : e);
    if (pe.kind !== 'client_closed') {
      deps.log.warn('request failed', { cell: cellId, alias: rec.alias, code: pe.code, status: pe.status });
    }
    if (!w.res.headersSent && !w.res.destroyed) {
      const { status, body } = surface.encodeError(pe);
      const headers: Record<string, string> = {};
      if (pe.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(pe.retryAfterMs / 1000));
      // The rest of a timed-out body may still come: this connection cannot carry another request.
      if (pe.code === 'request_body_timeout') headers.connection = 'close';
      w.json(status, body, headers);
    } else w.end();
  } finally {
    calls.delete(call);
    w.res.off('close', onClose);
    rec.mark('responded');
    rec.resBytes = w.bytes;
    const out = rec.build(deps.secrets);
    if (out) deps.emit(out);
  }
}
