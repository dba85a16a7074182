/**
 * Runs one process of a cell (setup, runner, check) inside the cell's running container
 * through the engine's exec API, with the same result shape, timeout and cancellation as a
 * local process (run-process.ts): output appended to files, `timedOut`/`canceled` set when
 * the caller's `stop` had to end it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ProcessResult } from '../../run-process.ts';
import { armStopTrigger } from '../../stop-trigger.ts';
import { engineMessage } from './errors.ts';
import { sleep } from '../../../util/sleep.ts';

export interface ContainerExecOptions {
  docker: Docker;
  container: Docker.Container;
  argv: string[];
  env: Record<string, string>;
  user: string;
  cwd: string;
  /** Files stdout/stderr go to (appended; may be the same file). */
  stdoutFile: string;
  stderrFile: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Ends whatever runs in the container (graceful then forced); called once on timeout or abort. */
  stop: () => Promise<void>;
  /** Called when the process has been started. */
  onStart?: () => void;
}

/** What the engine's runtime (not a shell) says when the executable does not exist (exit 126/127). */
const NOT_STARTED = /OCI runtime|runc|crun|executable file not found/i;
const EXIT_POLL_MS = 50;
const EXIT_WAIT_MS = 3000;


async function openLog(file: string): Promise<WriteStream> {
  const s = createWriteStream(file, { flags: 'a' });
  await once(s, 'open');
  return s;
}

async function closeLog(s: WriteStream): Promise<void> {
  if (s.closed) return;
  await new Promise<void>((r) => s.end(() => r()));
}

/** Exit code once the engine knows it (Docker may report Running a moment after the stream ends). */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (;;) {
    try {
      const i = await exec.inspect();
      if (!i.Running && i.ExitCode !== null && i.ExitCode !== undefined) return i.ExitCode;
    } catch {
      return null; // the container (and its exec sessions) was removed
    }
    if (Date.now() > deadline) return null;
    await sleep(EXIT_POLL_MS);
  }
}

export async function execInContainer(o: ContainerExecOptions): Promise<ProcessResult> {
  const startedAtMs = Date.now();
  const base = { signal: null, timedOut: false, canceled: false, startedAtMs };
  if (o.signal?.aborted) return { ...base, exitCode: null, canceled: true, durationMs: 0 };

  let exec: Docker.Exec;
  let stream: Duplex;
  try {
    exec = await o.container.exec({
      Cmd: o.argv,
      Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`),
      User: o.user,
      WorkingDir: o.cwd,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  } catch (e) {
    return { ...base, exitCode: null, durationMs: Date.now() - startedAtMs, spawnError: engineMessage(e) };
  }
  o.onStart?.();

  const out = await openLog(o.stdoutFile);
  const err = o.stderrFile === o.stdoutFile ? out : await openLog(o.stderrFile);
  // the first bytes of stderr tell "command not found" from the engine apart from a real exit
  let errHead = '';
  const errTap = new PassThrough();
  errTap.on('data', (b: Buffer) => {
    if (errHead.length < 2000) errHead += b.toString('utf8');
    err.write(b);
  });
  o.docker.modem.demuxStream(stream, out, errTap);

  let stopping: Promise<void> | undefined;
  const trigger = armStopTrigger(o.timeoutMs, o.signal, () => {
    stopping ??= o.stop().catch(() => undefined);
  });

  try {
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
  } finally {
    trigger.disarm();
    // the hijacked connection stays open after the process ends: close it ourselves
    stream.destroy();
  }
  const exitCode = await exitCodeOf(exec);
  if (stopping) await stopping;
  await closeLog(out);
  if (err !== out) await closeLog(err);
  const durationMs = Date.now() - startedAtMs;
  const { timedOut, canceled } = trigger;
  const killed = timedOut || canceled;
  const result: ProcessResult = {
    exitCode: killed && exitCode === null ? null : exitCode,
    signal: exitCode === 137 || (killed && exitCode === null) ? 'SIGKILL' : exitCode === 143 ? 'SIGTERM' : null,
    timedOut,
    canceled: canceled && !timedOut,
    startedAtMs,
    durationMs,
  };
  if (!killed && (exitCode === 126 || exitCode === 127) && NOT_STARTED.test(errHead)) {
    result.spawnError = errHead.trim().split('\n')[0]!.slice(0, 300);
  }
  return result;
}
