/**
 * The batched JSONL writer of the spend log. `write()` is on the proxy's hot path, so it
 * never touches the disk: it serialises the record into an in-memory batch, and a timer (or
 * a full batch) appends all pending lines in ONE `appendFile`. Only one append runs at a
 * time, so lines never interleave and stay in write order.
 *
 * Disk errors are logged once per failure streak and the lines are kept for a retry.
 * At exit, `flushSync()` appends whatever is left; that path is at-least-once (a batch whose
 * async append was still in flight is written again), and readers drop duplicate ids.
 */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { appendFile, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createLogger, type Logger } from '../../util/log.ts';
import { SpendLogError } from './errors.ts';
import type { SpendRecord } from './record.ts';

export interface SpendWriterOptions {
  /** Longest time a record waits in memory before an append starts, ms. Default 200. */
  flushIntervalMs?: number;
  /** Pending lines that start an append at once. Default 500. */
  maxBatch?: number;
  /** Lines kept in memory while the disk fails; the oldest are dropped beyond. Default 100,000. */
  maxPending?: number;
  /** Delay before retrying a failed append, ms. Default 1,000. */
  retryMs?: number;
  log?: Logger;
}

export type SpendListener = (rec: SpendRecord) => void;

export class SpendWriter {
  readonly path: string | null;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly retryMs: number;
  private readonly log: Logger;
  private readonly listeners = new Set<SpendListener>();

  private pending: string[] = [];
  /** The batch whose append is in flight (flushSync rewrites it: see the header). */
  private inflight: string[] | null = null;
  private draining: Promise<void> | null = null;
  /** flush() calls waiting: while any is, the append loop runs until nothing is pending. */
  private flushing = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Directory created and file tail checked (see drain). */
  private ready = false;
  private failing = false;
  private listenerFailed = false;
  private closed = false;
  private droppedLines = 0;

  constructor(path: string | null, opts: SpendWriterOptions = {}) {
    this.path = path;
    this.flushIntervalMs = checkNumber('flushIntervalMs', opts.flushIntervalMs ?? 200, 0);
    this.maxBatch = checkNumber('maxBatch', opts.maxBatch ?? 500, 1, true);
    this.maxPending = checkNumber('maxPending', opts.maxPending ?? 100_000, this.maxBatch, true);
    this.retryMs = checkNumber('retryMs', opts.retryMs ?? 1_000, 0);
    this.log = opts.log ?? createLogger('warn');
  }

  /** Lines waiting in memory (including a batch being appended). */
  get pendingCount(): number {
    return this.pending.length + (this.inflight?.length ?? 0);
  }

  /** Lines dropped because the disk kept failing and maxPending was reached. */
  get dropped(): number {
    return this.droppedLines;
  }

  /** Subscribes to every record written (metrics, the orchestrator). Returns the unsubscriber. */
  onRecord(listener: SpendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues a record. Synchronous and never touches the disk. */
  write(rec: SpendRecord): void {
    if (this.closed) {
      this.log.warn('spend record written after the spend log was closed; dropped', { id: rec.id });
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(rec);
      } catch (e) {
        if (!this.listenerFailed) this.log.error('spend record listener failed', { error: String(e) });
        this.listenerFailed = true;
      }
    }
    if (this.path === null) return;
    this.pending.push(JSON.stringify(rec));
    if (this.pending.length > this.maxPending) this.dropOldest();
    if (this.failing) return; // the retry timer is already set
    if (this.pending.length >= this.maxBatch) this.kick();
    else this.schedule(this.flushIntervalMs);
  }

  /**
   * Resolves when every record written so far is on disk. Retries a failed append once at
   * once and rejects with `write_failed` if it fails again (the lines stay pending).
   */
  async flush(): Promise<void> {
    if (this.path === null) return;
    this.flushing++;
    try {
      if (this.draining) await this.draining;
      if (this.pending.length === 0) return;
      this.kick();
      if (this.draining) await this.draining;
    } finally {
      this.flushing--;
    }
    if (this.pending.length > 0) {
      throw new SpendLogError(`could not append to the spend log ${this.path}`, 'write_failed', {
        path: this.path,
        pending: this.pending.length,
      });
    }
  }

  /** Appends everything pending synchronously. For the process 'exit' handler only. */
  flushSync(): void {
    if (this.path === null) return;
    this.clearTimer();
    const lines = this.inflight ? this.inflight.concat(this.pending) : this.pending;
    if (lines.length === 0) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const lead = !this.ready && endsWithoutNewlineSync(this.path) ? '\n' : '';
      appendFileSync(this.path, lead + lines.join('\n') + '\n');
      this.pending = [];
      this.inflight = null;
    } catch (e) {
      this.log.error('could not write the spend log at exit; records lost', {
        path: this.path,
        lines: lines.length,
        error: String(e),
      });
    }
  }

  /** Flushes, then refuses further records. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.clearTimer();
    }
  }

  // -------------------------------------------------------------------------------------

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Starts the single append loop unless it is running (it picks up new lines itself). */
  private kick(): void {
    this.clearTimer();
    if (this.draining || this.pending.length === 0) return;
    this.draining = this.drain();
  }

  private async drain(): Promise<void> {
    const path = this.path as string;
    try {
      // Yield first so `this.draining` is assigned before `finally` can clear it.
      await Promise.resolve();
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        this.inflight = batch;
        try {
          let lead = '';
          if (!this.ready) {
            await mkdir(dirname(path), { recursive: true });
            // A previous process (or a failed append) may have left a torn last line: start
            // on a fresh line so that only the torn line is lost, not our first record too.
            if (await endsWithoutNewline(path)) lead = '\n';
            this.ready = true;
          }
          await appendFile(path, lead + batch.join('\n') + '\n');
          if (this.failing) this.log.info('spend log writable again', { path });
          this.failing = false;
          // Lines that came in during the append wait for the timer like any other line, unless
          // a batch is full or a flush waits for them: under load the loop would otherwise chase
          // a few lines per append, opening and closing the file for every handful of requests.
          if (this.pending.length > 0 && this.pending.length < this.maxBatch && this.flushing === 0) {
            this.schedule(this.flushIntervalMs);
            return;
          }
        } catch (e) {
          // flushSync may have written this batch meanwhile; only re-queue it if not.
          if (this.inflight === batch) this.pending = batch.concat(this.pending);
          this.ready = false; // re-check the directory and the file's tail on retry
          if (this.pending.length > this.maxPending) this.dropOldest();
          if (!this.failing) {
            this.log.error('could not append to the spend log; keeping records in memory and retrying', {
              path,
              error: String(e),
            });
          }
          this.failing = true;
          this.schedule(this.retryMs);
          return;
        } finally {
          if (this.inflight === batch) this.inflight = null;
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private dropOldest(): void {
    const excess = this.pending.length - this.maxPending;
    this.pending.splice(0, excess);
    if (this.droppedLines === 0) {
      this.log.error('spend log backlog full; dropping the oldest records', { path: this.path, maxPending: this.maxPending });
    }
    this.droppedLines += excess;
  }
}

/** True when the file exists, is not empty and its last byte is not a newline. */
async function endsWithoutNewline(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false; // absent: appendFile creates it
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}

/** endsWithoutNewline for the exit path, where only synchronous I/O runs. */
function endsWithoutNewlineSync(path: string): boolean {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return false;
    const buffer = Buffer.alloc(1);
    readSync(fd, buffer, 0, 1, size - 1);
    return buffer[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

function checkNumber(name: string, value: number, min: number, integer = false): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new SpendLogError(
      `SpendWriter option ${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, received ${String(value)}`,
      'invalid_option',
      { option: name, value },
    );
  }
  return value;
}

/**
 * Registers `writer.flushSync()` on process 'exit' and returns the disposer. Signals are the
 * CLI's business: on SIGINT/SIGTERM it should `await writer.flush()` (or `close()`) and let
 * the process end; this handler then catches whatever is left.
 */
export function installExitHandlers(writer: SpendWriter): () => void {
  const onExit = () => writer.flushSync();
  process.on('exit', onExit);
  return () => {
    process.off('exit', onExit);
  };
}
