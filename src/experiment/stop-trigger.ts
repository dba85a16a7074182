/**
 * When a cell process must be stopped: its timeout fires or its abort signal does. Shared by
 * the local process runner and the container exec, which stop a process in different ways.
 */

export interface StopTrigger {
  /** The timeout fired (and `stop` was called). */
  readonly timedOut: boolean;
  /** The signal aborted (and `stop` was called). */
  readonly canceled: boolean;
  /** Disarms the timer and the abort listener. */
  disarm(): void;
}

/** Calls `stop` after `timeoutMs` or on abort, whichever comes first (`stop` must be idempotent). */
export function armStopTrigger(timeoutMs: number, signal: AbortSignal | undefined, stop: () => void): StopTrigger {
  const state = { timedOut: false, canceled: false };
  const timer = setTimeout(() => {
    state.timedOut = true;
    stop();
  }, timeoutMs);
  const onAbort = () => {
    state.canceled = true;
    stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get timedOut() {
      return state.timedOut;
    },
    get canceled() {
      return state.canceled;
    },
    disarm() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
