/**
 * How the fake Batch runs a container runnable: as a Podman container from the job's image
 * (dockerode against Podman's Docker API, `--network host`, as Batch runs it on the VM with
 * the VM's network) or, for fast tests, as a local process of the runnable's entrypoint +
 * commands. Both give the exit code, the output lines, and a stop that ends the work
 * (SIGTERM, then SIGKILL) — what deleting or canceling a job does to its tasks.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

export interface ContainerRunnable {
  imageUri: string;
  commands?: string[];
  entrypoint?: string;
  options?: string;
}

export interface RunnableRun {
  /** The container runnable, or a script runnable's text as `bash -c`. */
  runnable: ContainerRunnable | { script: string };
  /** The task's environment (Batch's variables, resolved secrets, BATCH_TASK_INDEX…). */
  env: Record<string, string>;
  /** For container names and labels. */
  jobUid: string;
  taskIndex: number;
  attempt: number;
  onLine: (line: string) => void;
}

export interface Execution {
  /** Resolves with the exit code (null: killed by a signal). */
  exited: Promise<number | null>;
  /** Ends the work: SIGTERM, SIGKILL after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
}

export interface TaskExecutor {
  readonly kind: string;
  start(run: RunnableRun): Promise<Execution>;
}

const GRACE_MS = 3000;

/** A container runnable's command line: entrypoint (if set) then commands. */
export function commandLine(r: ContainerRunnable): string[] {
  return [...(r.entrypoint ? [r.entrypoint] : []), ...(r.commands ?? [])];
}

export interface ProcessExecutorOptions {
  /** Maps a container runnable's command line to the host's (e.g. /opt/agentab/vm/… → the checkout). */
  mapCommand?: (argv: string[], runnable: ContainerRunnable) => string[];
  /** Host environment the processes inherit (default: this process's PATH and HOME only). */
  baseEnv?: Record<string, string>;
  cwd?: string;
}

/** Runs each runnable as a local process group. */
export function processExecutor(o: ProcessExecutorOptions = {}): TaskExecutor {
  const baseEnv = o.baseEnv ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };
  return {
    kind: 'process',
    async start(run) {
      const argv = 'script' in run.runnable ? ['bash', '-c', run.runnable.script] : (o.mapCommand ?? ((a) => a))(commandLine(run.runnable), run.runnable);
      if (argv.length === 0) throw new Error('the container runnable has neither entrypoint nor commands (the fake cannot run an image\'s default command as a process)');
      const child = spawn(argv[0]!, argv.slice(1), { env: { ...baseEnv, ...run.env }, cwd: o.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines = new PassThrough();
      child.stdout.pipe(lines, { end: false });
      child.stderr.pipe(lines, { end: false });
      createInterface({ input: lines }).on('line', run.onLine);
      const exited = new Promise<number | null>((resolve) => {
        child.on('error', (e) => {
          run.onLine(`fake batch: cannot start ${argv[0]}: ${e.message}`);
          resolve(127);
        });
        child.on('close', (code) => {
          lines.end();
          resolve(code);
        });
      });
      const signal = (sig: NodeJS.Signals, target: number | undefined) => {
        try {
          if (target) process.kill(target, sig);
        } catch {
          // already gone
        }
      };
      return {
        exited,
        // as a container engine stops a container: SIGTERM to the main process only (it must
        // pass it on), SIGKILL to everything after the grace period
        async stop() {
          signal('SIGTERM', child.pid);
          const timer = setTimeout(() => signal('SIGKILL', child.pid && -child.pid), GRACE_MS);
          await exited;
          clearTimeout(timer);
        },
      };
    },
  };
}

export interface PodmanExecutorOptions {
  docker: Docker;
  /** Credentials for pulls (Batch pulls with the VM's service account). */
  authconfig?: { username: string; password: string; serveraddress: string };
  /** Pull even when the engine has the image (default: pull only when missing). */
  alwaysPull?: boolean;
  /** Podman's compat API flag for an http registry (the local test registry). */
  tlsVerify?: boolean;
  /** More labels on every container (a test's own, so it cleans only what it started). */
  labels?: Record<string, string>;
}

/** The label every container the fake Batch starts carries (value: the job uid). */
export const FAKE_BATCH_LABEL = 'agentab.fake-batch.job';

interface PullEvent {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  stream?: string;
}

/** Reads a pull's JSON event stream to the end; the first error reported in it, if any. */
function pullErrors(o: PodmanExecutorOptions, stream: NodeJS.ReadableStream): Promise<string | undefined> {
  let failure: string | undefined;
  return new Promise((resolve, reject) => {
    o.docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve(failure)),
      (e: PullEvent) => {
        failure ??= e.errorDetail?.message ?? e.error;
      },
    );
  });
}

/**
 * Pulls the image as a VM does before running it. An http registry (tlsVerify false) is
 * pulled through Podman's own API (`/v4.0.0/libpod/images/pull?tlsVerify=false`; libpod routes
 * exist only under a version prefix, any version): its Docker-compat
 * pull has no such flag and insists on https. A failed pull throws (the task then fails, as
 * Batch fails a task whose image cannot be pulled).
 */
async function pull(o: PodmanExecutorOptions, image: string): Promise<void> {
  let failure: string | undefined;
  try {
    const stream =
      o.tlsVerify === false
        ? await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
            o.docker.modem.dial(
              { path: '/v4.0.0/libpod/images/pull?', method: 'POST', options: { reference: image, tlsVerify: false, policy: 'always' }, isStream: true, authconfig: o.authconfig, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } },
              (err: Error | null, s?: unknown) => (err ? reject(err) : resolve(s as NodeJS.ReadableStream)),
            ),
          )
        : ((await o.docker.pull(image, { authconfig: o.authconfig })) as NodeJS.ReadableStream);
    failure = await pullErrors(o, stream);
  } catch (e) {
    failure = (e as Error).message;
  }
  if (failure) throw new Error(`pulling ${image} failed: ${failure}`);
}

/** Runs each container runnable as a Podman (or Docker) container with host networking. */
export function podmanExecutor(o: PodmanExecutorOptions): TaskExecutor {
  return {
    kind: 'podman',
    async start(run) {
      if ('script' in run.runnable) return processExecutor().start(run); // Batch runs scripts on the VM itself
      const r = run.runnable;
      let present = true;
      try {
        await o.docker.getImage(r.imageUri).inspect();
      } catch {
        present = false;
      }
      if (!present || o.alwaysPull) await pull(o, r.imageUri);
      const container = await o.docker.createContainer({
        name: `fake-batch-${run.jobUid.slice(0, 12)}-${run.taskIndex}-${run.attempt}`,
        Image: r.imageUri,
        Cmd: r.commands?.length ? r.commands : undefined,
        Entrypoint: r.entrypoint ? [r.entrypoint] : undefined,
        Env: Object.entries(run.env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...o.labels, [FAKE_BATCH_LABEL]: run.jobUid },
        HostConfig: { NetworkMode: 'host' },
      });
      const remove = () => container.remove({ force: true }).catch(() => undefined);
      try {
        const logs = await container.attach({ stream: true, stdout: true, stderr: true });
        const lines = new PassThrough();
        o.docker.modem.demuxStream(logs, lines, lines);
        createInterface({ input: lines }).on('line', run.onLine);
        logs.on('end', () => lines.end());
        await container.start();
      } catch (e) {
        await remove();
        throw e;
      }
      const exited = container.wait().then(
        async (w: { StatusCode?: number }) => {
          await remove();
          return w.StatusCode ?? null;
        },
        async (e: Error) => {
          run.onLine(`fake batch: waiting for the container failed: ${e.message}`);
          await remove();
          return null;
        },
      );
      return {
        exited,
        async stop() {
          await container.stop({ t: GRACE_MS / 1000 }).catch(() => undefined);
          await exited;
        },
      };
    },
  };
}
