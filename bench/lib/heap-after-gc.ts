/**
 * The live heap of another Node process, measured after a full garbage collection, over the
 * inspector protocol (the process runs with `--inspect=127.0.0.1:<port>`). RSS alone cannot tell
 * a leak from V8 keeping the pages it grew into: a process whose heap after a full collection
 * stays flat does not leak, whatever its RSS does. undici's WebSocket speaks to the inspector
 * (Node 20 has no global WebSocket); loopback only.
 */
import { request, WebSocket } from 'undici';

export interface HeapSample {
  /** Milliseconds since sampling started. */
  tMs: number;
  /** process.memoryUsage().heapUsed right after a full collection, MB. */
  heapMb: number;
}

export class HeapAfterGc {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return; // an event, not an answer
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`inspector: ${message.error.message}`));
      else waiter?.resolve(message.result);
    });
    socket.addEventListener('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('inspector: the connection closed'));
      this.pending.clear();
    });
  }

  /** Connects to the inspector of the process listening on 127.0.0.1:`port`. */
  static async attach(port: number): Promise<HeapAfterGc> {
    const listed = await request(`http://127.0.0.1:${port}/json/list`);
    const targets = (await listed.body.json()) as Array<{ webSocketDebuggerUrl?: string }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`inspector on 127.0.0.1:${port} lists no target`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot open the inspector at ${url}`)), { once: true });
    });
    return new HeapAfterGc(socket);
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A full collection, then the heap in use, MB. */
  async heapUsedMb(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    const answer = (await this.send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true })) as {
      result?: { value?: unknown };
    };
    const bytes = answer.result?.value;
    if (typeof bytes !== 'number') throw new Error('inspector: process.memoryUsage().heapUsed gave no number');
    return bytes / (1024 * 1024);
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Samples the heap after a full collection every `intervalMs` until stopped (one sample at start
 * and one at stop). Each sample pauses the process for one full collection: tens of ms on a heap
 * of a few tens of MB, a few times a minute.
 */
export class HeapAfterGcSampler {
  readonly samples: HeapSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly heap: HeapAfterGc, private readonly intervalMs = 5000) {}

  async start(): Promise<void> {
    this.t0 = performance.now();
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  async stop(): Promise<HeapSample[]> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.sample();
    return this.samples;
  }

  /** Why a sample could not be taken (the process went away), if one could not: sampling stops there. */
  failure: Error | undefined;

  private sample(): Promise<void> {
    this.inFlight = this.inFlight.then(async () => {
      if (this.failure) return;
      try {
        const heapMb = await this.heap.heapUsedMb();
        this.samples.push({ tMs: performance.now() - this.t0, heapMb });
      } catch (e) {
        this.failure = e as Error;
      }
    });
    return this.inFlight;
  }
}
