/** Errors of the statistics layer: bad arguments, named with the value received. */
export class StatsError extends Error {
  readonly code = 'invalid_argument' as const;
  readonly retryable = false;
  readonly context: Record<string, unknown>;
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'StatsError';
    this.context = context;
  }
}

export function assertProbability(name: string, p: number): void {
  if (!(p > 0 && p < 1)) throw new StatsError(`${name} must be in (0, 1), got ${p}`, { [name]: p });
}

export function assertCount(name: string, n: number, min = 0): void {
  if (!Number.isInteger(n) || n < min) throw new StatsError(`${name} must be an integer ≥ ${min}, got ${n}`, { [name]: n });
}
