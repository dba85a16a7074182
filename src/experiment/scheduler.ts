/**
 * Runs items with bounded concurrency in the given order. Stops starting new items when the
 * signal aborts or `canStart` says no (the budget is spent); items already running finish
 * (or are canceled through their own signal by the caller).
 */
export interface ScheduleOptions<T> {
  items: readonly T[];
  concurrency: number;
  signal?: AbortSignal;
  /** Asked before each start; false stops scheduling for good. */
  canStart?: () => boolean;
  run(item: T): Promise<void>;
}

export interface ScheduleResult {
  started: number;
  /** Items never started (aborted or budget). */
  notStarted: number;
  stoppedBy: 'done' | 'abort' | 'budget';
}

export async function schedule<T>(o: ScheduleOptions<T>): Promise<ScheduleResult> {
  if (!(Number.isInteger(o.concurrency) && o.concurrency > 0)) throw new RangeError(`concurrency must be a positive integer, got ${o.concurrency}`);
  let next = 0;
  let stoppedBy: ScheduleResult['stoppedBy'] = 'done';
  const take = (): T | undefined => {
    if (stoppedBy !== 'done' || next >= o.items.length) return undefined;
    if (o.signal?.aborted) {
      stoppedBy = 'abort';
      return undefined;
    }
    if (o.canStart && !o.canStart()) {
      stoppedBy = 'budget';
      return undefined;
    }
    return o.items[next++];
  };
  const worker = async () => {
    for (let item = take(); item !== undefined; item = take()) await o.run(item);
  };
  const workers = Array.from({ length: Math.min(o.concurrency, o.items.length) }, worker);
  const settled = await Promise.allSettled(workers);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return { started: next, notStarted: o.items.length - next, stoppedBy };
}
