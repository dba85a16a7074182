/** Deployments and CallOptions for backend tests. */
import type { Deployment } from '../../../src/config/types.ts';
import { UpstreamTimer, type CallOptions } from '../../../src/proxy/backends/types.ts';
import type { CanonicalRequest } from '../../../src/canonical/form.ts';
import { createLogger, type Logger } from '../../../src/util/log.ts';

export function deployment(d: Partial<Deployment> & Pick<Deployment, 'provider' | 'model'>): Deployment {
  return { id: 'alias#0', alias: 'alias', timeoutMs: 10_000, ttftTimeoutMs: 10_000, maxRetries: 0, weight: 1, ...d };
}

/** A logger that keeps its lines, so tests can check what was (not) logged. */
export function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('debug', (l) => lines.push(l)), lines };
}

export function callOptions(d: Deployment, o: { log?: Logger; signal?: AbortSignal } = {}): CallOptions {
  return { deployment: d, signal: o.signal ?? new AbortController().signal, timer: new UpstreamTimer(), log: o.log ?? captureLogger().log };
}

export function request(r: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    model: 'alias',
    system: [{ type: 'text', text: 'You are terse.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hi' }] }],
    tools: [],
    stream: false,
    sourceDialect: 'anthropic',
    maxTokens: 256,
    ...r,
  };
}
