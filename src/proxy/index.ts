/**
 * Programmatic entry point: start a proxy on a port with a config, a spend log and metrics.
 * Used by `agentab proxy`, `agentab sim`, the orchestrator's launchers and the tests.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Deployment, ProxyConfig } from '../config/types.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { cellToken as makeCellToken } from './auth.ts';
import { BackendRegistry, type BackendRegistryDeps } from './backends/registry.ts';
import { ProxyMetrics } from './metrics.ts';
import { Router, type RouterDeps } from './router.ts';
import { RouteTable } from './route-table.ts';
import { createProxyServer } from './server.ts';
import { loadSurfaces } from './surfaces/registry.ts';
import { installExitHandlers, SpendWriter } from './spend/writer.ts';
import type { SpendRecord } from './spend/record.ts';
import { closeUpstreamAgent } from './upstream/http.ts';
import { priceOf } from './spend/prices.ts';
import type { OtlpOptions } from './otlp/exporter.ts';
import { preloadTokenizer } from '../canonical/tokens.ts';
import { proxyConfigSecrets } from '../config/config-secrets.ts';

export interface RunningProxy {
  url: string;
  port: number;
  /**
   * Register a cell: what backends read from its CellContext (e.g. `{simScript}` for the
   * simulator). Opaque to the proxy core.
   */
  registerCell(cellId: string, data?: Readonly<Record<string, unknown>>): void;
  /** Per-cell bearer token (HMAC of master key and cell id); with no master key any token works. */
  cellToken(cellId: string): string;
  /** Resolves when every spend line written so far is on disk. */
  flush(): Promise<void>;
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs` (default 10 s), then cuts
   * them (their spend lines carry a `shutdown` error); flushes the spend log.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * For an exit that cannot wait (a second Ctrl-C): cuts every request in flight, records it
   * with a `shutdown` error and writes every pending spend line synchronously.
   */
  stopNow(): void;
  onSpend(listener: (rec: SpendRecord) => void): () => void;
  readonly server: Server;
}

export interface StartProxyOptions {
  config: ProxyConfig;
  host?: string;
  port?: number;
  /** Where spend lines go; null or absent = no spend log (metrics still count). */
  spendLogPath?: string | null;
  runId?: string;
  log?: Logger;
  router?: RouterDeps;
  backends?: BackendRegistryDeps;
  /** Export a span per call to an OTLP/HTTP collector (batched, off the request path). */
  otlp?: OtlpOptions;
  /** Record the proxy's own phases of each call in its spend line (default true). */
  phaseTiming?: boolean;
}

export async function startProxy(o: StartProxyOptions): Promise<RunningProxy> {
  const log = o.log ?? createLogger('info');
  const config = o.config;
  const router = new Router(config, o.router);
  const backends = new BackendRegistry(o.backends ?? {});
  await backends.load(config.deployments.map((d) => d.provider));
  const routes = new RouteTable((await loadSurfaces()).map((create) => create({ log })));
  const metrics = new ProxyMetrics(undefined, (requested) => router.routeOf(requested));
  const writer = new SpendWriter(o.spendLogPath ?? null);
  const listeners = new Set<(rec: SpendRecord) => void>();
  const cells = new Map<string, Readonly<Record<string, unknown>>>();
  const otlpOptions = o.otlp ?? config.otlp;
  // The OpenTelemetry SDK (a fifth of start-up) loads only when spans are exported.
  const otlp = otlpOptions ? (await import('./otlp/exporter.ts')).createOtlpSink(otlpOptions, log.child({ component: 'otlp' })) : undefined;
  const secrets = proxyConfigSecrets(config);
  // A model without a price is logged with costUsd null; say so once per model, at start-up when the config already tells.
  const unpricedWarned = new Set<string>();
  const warnUnpriced = (model: string) => {
    if (unpricedWarned.has(model)) return;
    unpricedWarned.add(model);
    log.warn(`no price for model "${model}": its calls are logged with costUsd null (set input_cost_per_token and output_cost_per_token on its deployment)`);
  };
  for (const d of config.deployments) if (!d.model.includes('*') && !deploymentPriced(d)) warnUnpriced(d.priceModel ?? d.model);
  // Whatever way the process ends, spend lines still in memory are appended at 'exit'.
  const disposeExitHandler = installExitHandlers(writer);
  const { server, idle, cutInflight } = createProxyServer({
    config,
    router,
    metrics,
    log,
    runId: o.runId ?? null,
    cells,
    secrets,
    backendFor: (d) => backends.get(d.provider),
    routes,
    emit(rec) {
      if (rec.priced === false) warnUnpriced(rec.upstreamModel ?? rec.alias);
      writer.write(rec);
      metrics.observe(rec);
      if (otlp) {
        try {
          otlp.observe(rec);
        } catch (e) {
          log.warn('could not record an OTLP span', { error: (e as Error).message });
        }
      }
      for (const l of listeners) l(rec);
    },
    ...(o.phaseTiming !== undefined ? { phaseTiming: o.phaseTiming } : {}),
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Listening already: the simulator's tokenizer loads now rather than on its first request. A
  // proxy without one loads it only if a call needs it (count_tokens counted locally, a message
  // start estimated for a translated stream): it costs a pass-through proxy CPU on every call.
  if (backends.countsTokensPerCall) preloadTokenizer();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed = false;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    server,
    registerCell(cellId, data = {}) {
      cells.set(cellId, data);
    },
    cellToken(cellId) {
      return config.masterKey ? makeCellToken(config.masterKey, cellId) : `sk-agentab-open-${cellId}`;
    },
    flush: () => writer.flush(),
    async close(graceMs = 10_000) {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          cutInflight();
          server.closeAllConnections();
        }, graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await idle();
      await writer.close();
      await otlp?.shutdown();
      disposeExitHandler();
      await backends.close();
      await closeUpstreamAgent();
    },
    stopNow() {
      cutInflight();
      writer.flushSync();
      server.closeAllConnections();
    },
    onSpend(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** A deployment's calls can be priced: a configured price or a built-in table entry. */
function deploymentPriced(d: Deployment): boolean {
  return d.inputCostPerToken !== undefined || d.outputCostPerToken !== undefined || priceOf(d.priceModel ?? d.model, d.provider) !== undefined;
}
