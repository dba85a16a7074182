/**
 * A server under test run as a child process: started, waited for until it says it is
 * ready, and stopped by its own pid (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export class ServiceError extends Error {
  readonly code = 'BENCH_SERVICE';
  constructor(message: string, readonly service: string, readonly output: string) {
    super(`${service}: ${message}${output ? `\n--- last output ---\n${output}` : ''}`);
    this.name = 'ServiceError';
  }
}

export interface Service {
  readonly name: string;
  readonly pid: number;
  /** Base URL, loopback only. */
  readonly url: string;
  /** The command that was run, for the report. */
  readonly commandLine: string;
  /** The last few KB of stdout+stderr, for error messages. */
  output(): string;
  /** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Returns the service URL once `output` shows it is ready; null while not yet. */
  ready: (output: string) => string | null;
  timeoutMs?: number;
}

const OUTPUT_KEEP = 8192;

/** A free loopback port, for servers that cannot be told `--port 0`. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  if (!addr || typeof addr === 'string') throw new Error('could not read a free port');
  return addr.port;
}

/** Ready when the first stdout line is a URL (`agentab proxy` / `agentab sim` with --port 0). */
export function firstLineUrl(output: string): string | null {
  const m = /^(https?:\/\/\S+)\r?\n/.exec(output);
  return m ? (m[1] as string) : null;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return once(child, 'exit').then(() => undefined);
}

export async function startService(o: StartOptions): Promise<Service> {
  const child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let tail = '';
  const keep = (s: string) => {
    tail = (tail + s).slice(-OUTPUT_KEEP);
  };
  child.stderr?.setEncoding('utf8').on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail('not ready in time'), o.timeoutMs ?? 30_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new ServiceError(why, o.name, tail));
    };
    child.once('exit', (code, sig) => fail(`exited early (code ${code}, signal ${sig})`));
    child.once('error', (e) => fail(e.message));
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      keep(s);
      if (stdout.length < OUTPUT_KEEP) stdout += s;
      const u = o.ready(stdout);
      if (u) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(u);
      }
    });
  });
  if (child.pid === undefined) throw new ServiceError('no pid', o.name, tail);
  const pid = child.pid;
  return {
    name: o.name,
    pid,
    url,
    commandLine: [o.command, ...o.args].join(' '),
    output: () => tail,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
