/**
 * The one sleep: node:timers/promises underneath, rejecting with the signal's own reason when
 * aborted (callers tell a client disconnect from a timeout by that reason, where
 * timers/promises alone would give a generic AbortError).
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Sleeps `ms`, rejecting with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = async (ms, signal) => {
  if (signal?.aborted) throw signal.reason;
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (e) {
    throw signal?.aborted ? signal.reason : e;
  }
};
