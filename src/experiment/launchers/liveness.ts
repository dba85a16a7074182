/**
 * Whether a run's owner process is still alive, for the launchers' clean-up of dead runs'
 * leftovers (containers, VM jobs). Shared by the launchers, so it sits beside them.
 */
import { readFileSync } from 'node:fs';

export type Liveness = 'alive' | 'dead' | 'unknown';

/** Whether a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

export function ownerLiveness(pid: string | number | undefined, host: string | undefined, o: { host: string; isAlive: (pid: number) => boolean }): Liveness {
  if (host !== undefined && host !== o.host) return 'unknown';
  const n = Number(pid);
  if (pid === undefined || !Number.isInteger(n)) return 'dead';
  return o.isAlive(n) ? 'alive' : 'dead';
}
