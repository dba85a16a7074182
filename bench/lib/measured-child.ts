/**
 * Runs a child process and measures it from outside: wall time, peak RSS (VmHWM, sampled from
 * /proc as it runs) and CPU time (its user + system time once reaped). One child at a time:
 * the CPU figure is this process's reaped-children total before and after.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { reapedChildrenCpuMs } from './cpu-time.ts';
import { procStatusMb } from './rss.ts';

/** Peak RSS so far of a live process (VmHWM), MB; null once it is gone. */
export const peakRssMb = (pid: number): number | null => procStatusMb(pid, 'VmHWM');

export interface MeasuredRun {
  wallS: number;
  /** User + system CPU of the child, seconds (10 ms resolution); null without /proc. */
  cpuS: number | null;
  peakRssMb: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args`, sampling its peak RSS every 20 ms until it exits. */
export function runMeasured(command: string, args: readonly string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; keepStdout?: boolean } = {}): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuMs();
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', o.keepStdout === false ? 'ignore' : 'pipe', 'pipe'] });
    let peak = 0;
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 20);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      const cpuAfter = reapedChildrenCpuMs();
      resolve({
        wallS: (performance.now() - t0) / 1000,
        cpuS: cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / 1000 : null,
        peakRssMb: peak,
        exitCode: code,
        stdout,
        stderr,
      });
    });
  });
}
