/**
 * A test OTLP/HTTP JSON receiver: accepts POST /v1/traces, keeps every span it was sent with
 * its attributes decoded. `mode: 'hang'` accepts connections and never answers (a slow
 * collector); `mode: 'error'` answers 503.
 */
import { createServer, type Server } from 'node:http';
import { listenLoopback } from './loopback.ts';

export interface ReceivedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  events: { name: string; timeNs: bigint }[];
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  requests: number;
  contentTypes: string[];
  /** Resolves once at least `n` spans have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };

function decodeValue(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(list: { key: string; value: AnyValue }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, decodeValue(a.value)]));
}

const ns = (v: unknown): bigint => BigInt(typeof v === 'string' || typeof v === 'number' ? v : 0);

export async function startOtlpReceiver(mode: 'ok' | 'hang' | 'error' = 'ok'): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      contentTypes.push(String(req.headers['content-type'] ?? ''));
      if (mode === 'hang') return; // never answer
      if (mode === 'error' || req.url !== '/v1/traces') {
        res.writeHead(mode === 'error' ? 503 : 404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: { resource?: { attributes?: { key: string; value: AnyValue }[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const resource = decodeAttributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              name: String(s.name),
              kind: Number(s.kind),
              traceId: String(s.traceId),
              spanId: String(s.spanId),
              startNs: ns(s.startTimeUnixNano),
              endNs: ns(s.endTimeUnixNano),
              attributes: decodeAttributes(s.attributes as { key: string; value: AnyValue }[]),
              events: ((s.events as { name: string; timeUnixNano: unknown }[] | undefined) ?? []).map((e) => ({ name: e.name, timeNs: ns(e.timeUnixNano) })),
              status: (s.status as ReceivedSpan['status']) ?? {},
              resource,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const w of [...waiters]) if (spans.length >= w.n) w.resolve();
    });
  });
  const loopback = await listenLoopback(server);
  const port = loopback.port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    get requests() {
      return requests;
    },
    contentTypes,
    waitFor(n, timeoutMs = 30_000) {
      if (spans.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`OTLP receiver: ${spans.length} of ${n} spans after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
    close: loopback.close,
  };
}
