/**
 * Kills a process and everything it started. Children are spawned detached (their own
 * process group), so a signal to the group reaches grandchildren; descendants that moved to
 * another group (setsid) are found through /proc first. Hand-written: the npm helpers
 * (tree-kill, pidtree) shell out to `ps` for every call, this reads /proc once.
 */
import { readdirSync, readFileSync } from 'node:fs';

function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return children; // not Linux: fall back to the process group alone
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // `pid (comm) state ppid …`; comm may contain spaces and parentheses, so split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  return children;
}

export function descendants(pid: number): number[] {
  const children = parentMap();
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

const trySignal = (target: number, signal: NodeJS.Signals | 0) => {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
};

/** Signals the process group led by `pid` and every descendant of `pid`. */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const all = descendants(pid);
  trySignal(-pid, signal);
  trySignal(pid, signal);
  for (const p of all) trySignal(p, signal);
}

/** Whether any process of the group led by `pgid` is still alive. */
export function groupAlive(pgid: number): boolean {
  return trySignal(-pgid, 0);
}

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

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); null when
 * it is gone or /proc is not there. Recorded next to a pid so that a later reaper never
 * signals an unrelated process that reused the number.
 */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const v = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** The process `pid` is alive and is the one that started at `startTicks` (when known). */
export function sameProcess(pid: number, startTicks: number | null | undefined): boolean {
  if (!processAlive(pid)) return false;
  if (startTicks === null || startTicks === undefined) return true;
  const now = processStartTicks(pid);
  return now === null || now === startTicks;
}
