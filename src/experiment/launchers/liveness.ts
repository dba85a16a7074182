/**
 * Whether a run's owner process is still alive, for the launchers' clean-up of dead runs'
 * leftovers (containers, VM jobs). Shared by the launchers, so it sits beside them.
 */
export type Liveness = 'alive' | 'dead' | 'unknown';

export function ownerLiveness(pid: string | number | undefined, host: string | undefined, o: { host: string; isAlive: (pid: number) => boolean }): Liveness {
  if (host !== undefined && host !== o.host) return 'unknown';
  const n = Number(pid);
  if (pid === undefined || !Number.isInteger(n)) return 'dead';
  return o.isAlive(n) ? 'alive' : 'dead';
}
