/** Deployments and CallOptions for backend tests. */
import assert from 'node:assert/strict';
import { ProxyError } from '../../../src/canonical/errors.ts';
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

/** `stream: true` as the pipeline sets it for a streamed attempt: only then is the TTFT deadline armed. */
export function callOptions(d: Deployment, o: { log?: Logger; signal?: AbortSignal; stream?: boolean } = {}): CallOptions {
  const options: CallOptions = { deployment: d, signal: o.signal ?? new AbortController().signal, timer: new UpstreamTimer(), log: o.log ?? captureLogger().log };
  if (o.stream !== undefined) options.stream = o.stream;
  return options;
}

/** For assert.rejects: the error of an upstream that sent no first byte within the deployment's TTFT limit. */
export function isTtftTimeout(e: unknown): true {
  assert.ok(e instanceof ProxyError);
  assert.equal(e.kind, 'timeout');
  assert.equal(e.code, 'upstream_ttft_timeout');
  assert.equal(e.retryable, true);
  return true;
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
