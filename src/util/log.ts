/**
 * A small leveled logger writing one line per event to stderr (or a given sink).
 * Values of keys that look like secrets are masked before anything is written.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error', 'silent'];
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Names of fields and variables whose values are secrets. */
export const SECRET_KEY = /(key|token|secret|authorization|password|credential)/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  level: Level = 'info',
  sink: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  base: Record<string, unknown> = {},
): Logger {
  const emit = (lv: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lv] < ORDER[level]) return;
    const all = { ...base, ...fields };
    const extra = Object.keys(all).length ? ' ' + JSON.stringify(redact(all)) : '';
    sink(`${new Date().toISOString()} ${lv.toUpperCase().padEnd(5)} ${msg}${extra}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(level, sink, { ...base, ...f }),
  };
}

export const silentLogger: Logger = createLogger('silent');
