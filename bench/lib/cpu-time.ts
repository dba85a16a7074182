/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat. */
import { readFileSync } from 'node:fs';

/** Linux reports /proc times in USER_HZ ticks, which is 100 on every mainstream kernel build. */
const USER_HZ = 100;

/** Milliseconds of CPU used by `pid`, or null when it is gone or /proc is unavailable. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields are counted after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}

/** CPU milliseconds of this process (all threads), at microsecond resolution. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU milliseconds of this process's children that have exited and been waited for (cutime +
 * cstime of /proc/self/stat, 10 ms resolution): the CPU cost of a short-lived command is the
 * change across its run. null when /proc is unavailable.
 */
export function reapedChildrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    return Number.isFinite(cutime) && Number.isFinite(cstime) ? ((cutime + cstime) * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}
