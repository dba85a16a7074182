/**
 * The comparisons of every runner, on several cores when there is enough work (issue #16: a
 * million runs make ~2,000 comparisons × 10,000 resamples, half the time of a report).
 *
 * The unit of work is one runner's task (compareTask): its bootstrap streams are seeded by
 * runner, task and arm, so its result does not depend on which thread computes it or when.
 * Threads take the next unit from a shared counter; the main thread takes units too and never
 * waits for a worker to start. buildReport starts the workers as soon as the groups are known
 * (beginComparisons) and hands them their input before it computes the cells' statistics, so
 * a worker's start-up and first units overlap that work. Results are added up in task order
 * (RunnerFold) whoever computed them, so the report is bit-identical to the sequential one —
 * the headline sums replicate b over tasks in the same order, with the same additions.
 *
 * buildReport stays synchronous: the main thread reads the workers' results with
 * receiveMessageOnPort and sleeps on Atomics.wait for a unit a worker still has. A worker's
 * replicates do not travel in its messages: it leaves them in shared memory (ReplicateSlots). A unit a
 * worker failed on (or has held for WORKER_UNIT_TIMEOUT_MS) is computed on the main thread,
 * which is always correct because a unit's result is deterministic.
 *
 * AGENTAB_REPORT_THREADS: `1` computes everything on the main thread; a number ≥ 2 uses that
 * many threads whatever the size of the work (tests use it); unset or `auto`, reports with at
 * least PARALLEL_MIN_WORK resample draws use up to MAX_THREADS cores, as many as were idle while
 * the records were grouped (idleCoresSince; one thread on a busy machine).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { compareTask, groupsByKey, RunnerFold, tasksOf, type RunnerComparison, type TaskComparison } from './compare.ts';
import { sortedValues, type Group } from './group.ts';
import type { ReportOptions } from './model.ts';
import { startModuleWorker } from '../util/module-worker.ts';

/** Resample draws (comparisons × resamples) below which a worker's start-up (~0.1 s) is not worth it. */
export const PARALLEL_MIN_WORK = 5_000_000;
const MAX_THREADS = 4;
const WORKER_UNIT_TIMEOUT_MS = 120_000;

/** Unit states in the shared status array. */
const CLAIMED = 1;
const DONE = 2;
const FAILED = 3;
/** Slot states in ReplicateSlots.state. */
const FREE = 0;
const HELD = 1;
/** Shared memory for each worker's replicate slots: as many tasks' worth as fit, 2 to 8. */
const SLOT_BYTES_PER_WORKER = 16 * 1024 * 1024;

export interface RunnerGroups {
  runner: string;
  groups: readonly Group[];
}

interface Unit {
  runner: number;
  task: string;
}

/** A group as a worker receives it: its arrays are views of one shared buffer. */
export interface SharedGroup {
  runner: string;
  condition: string;
  task: string;
  /** Offsets and lengths into the shared buffer: values per metric, then blocks, then sorted values per metric. */
  spans: [number, number][];
}

/**
 * Shared memory in which the workers leave their tasks' replicates for the main thread, which
 * adds them up in task order. Sent in the messages instead, they were copied into new
 * ArrayBuffers on the main thread, ~1.7 MB per task of a million runs: that much external
 * memory started two collections of the whole heap per report (a million records, ~0.5 s on
 * the main thread each), and reading the messages took another 0.3–0.9 s (bench/PROFILE.md,
 * tenth pass). Each worker has `perWorker` slots of `slotLength` doubles, one task's
 * replicates each. A slot is HELD from the task's start until the main thread has added the
 * task up, then FREE again. A worker whose slots are all held waits on its `freed` count;
 * the wait always ends: a worker claims tasks in increasing order, so its slots hold only tasks
 * before the one it holds, and the earliest task not yet added up is never one that waits.
 */
export interface ReplicateSlots {
  buffer: SharedArrayBuffer;
  /** Per slot: FREE or HELD. */
  state: Int32Array;
  /** Per worker: bumped by the main thread each time it frees one of the worker's slots. */
  freed: Int32Array;
  perWorker: number;
  slotLength: number;
}

export interface WorkerInput {
  units: Unit[];
  runners: string[];
  groups: SharedGroup[][];
  conditions: readonly string[];
  options: ReportOptions;
  arena: SharedArrayBuffer;
  counter: Int32Array;
  status: Int32Array;
  slots: ReplicateSlots;
  /** This worker's index (its slots are perWorker × worker onwards). */
  worker: number;
}

/**
 * A unit's result; its contributions' replicates are empty, and `spans` says where in `slot`
 * they are ([offset, length] in doubles, one per contribution).
 */
export type WorkerMessage = { unit: number; result: TaskComparison | null; slot: number; spans: [number, number][] } | { unit: number; error: string };

function replicateSlots(workers: number, conditions: number, opt: ReportOptions, slotsPerWorker?: number): ReplicateSlots {
  // a task contributes at most one set of replicates per condition and metric
  const slotLength = Math.max(1, conditions * opt.metrics.length * opt.taskResamples);
  const perWorker = slotsPerWorker ?? Math.max(2, Math.min(8, Math.floor(SLOT_BYTES_PER_WORKER / (slotLength * Float64Array.BYTES_PER_ELEMENT))));
  return {
    buffer: new SharedArrayBuffer(workers * perWorker * slotLength * Float64Array.BYTES_PER_ELEMENT),
    state: new Int32Array(new SharedArrayBuffer(4 * workers * perWorker)),
    freed: new Int32Array(new SharedArrayBuffer(4 * workers)),
    perWorker,
    slotLength,
  };
}

/** A worker takes one of its free slots, waiting for the main thread to free one if none is. */
export function takeSlot(slots: ReplicateSlots, worker: number): number {
  const first = worker * slots.perWorker;
  for (;;) {
    const seen = Atomics.load(slots.freed, worker);
    for (let s = first; s < first + slots.perWorker; s++) {
      if (Atomics.load(slots.state, s) === FREE) {
        Atomics.store(slots.state, s, HELD);
        return s;
      }
    }
    Atomics.wait(slots.freed, worker, seen);
  }
}

/** Frees a slot (the main thread, once its task is added up; a worker, for a task that failed). */
export function freeSlot(slots: ReplicateSlots, slot: number): void {
  const worker = Math.floor(slot / slots.perWorker);
  Atomics.store(slots.state, slot, FREE);
  Atomics.add(slots.freed, worker, 1);
  Atomics.notify(slots.freed, worker);
}

/** A view of a slot's doubles. */
export function slotView(slots: ReplicateSlots, slot: number): Float64Array {
  return new Float64Array(slots.buffer, slot * slots.slotLength * Float64Array.BYTES_PER_ELEMENT, slots.slotLength);
}

function threadsFor(units: number, work: number, env: NodeJS.ProcessEnv, since?: CoreClock): number {
  const asked = env['AGENTAB_REPORT_THREADS'] || 'auto';
  const n = asked === 'auto' ? null : Number(asked);
  if (n !== null && !(Number.isInteger(n) && n >= 1)) throw new Error(`AGENTAB_REPORT_THREADS must be a whole number ≥ 1 or "auto", got "${asked}"`);
  if (units < 2) return 1;
  if (n !== null) return Math.min(n, units);
  if (work < PARALLEL_MIN_WORK) return 1;
  // A worker costs CPU (+40 % in total, measured at load 7 on 2 cores; not yet profiled: it
  // builds its own tables, and groups and results are copied) and pays only with a core to spare: count
  // the cores idle (this thread included).
  return Math.max(1, Math.min(Math.round(since ? idleCoresSince(since) : idleCoresNow()), MAX_THREADS, units));
}

/** Every core's time so far and this process's own CPU time, where a window of idleCoresSince starts. */
export interface CoreClock {
  idleMs: number;
  totalMs: number;
  ownCpuMs: number;
  atMs: number;
}

export function coreClock(): CoreClock {
  let idleMs = 0;
  let totalMs = 0;
  for (const core of cpus()) {
    idleMs += core.times.idle;
    totalMs += core.times.user + core.times.nice + core.times.sys + core.times.irq + core.times.idle;
  }
  const own = process.cpuUsage();
  return { idleMs, totalMs, ownCpuMs: (own.user + own.system) / 1000, atMs: performance.now() };
}

/**
 * Cores idle since `start` (os.cpus() times), this process's own CPU time counted as idle: the
 * window may be work of this process (buildReport measures over its grouping, so that no time
 * is spent waiting), and what it used is ours to use. Not the 1-minute load average, which
 * trails by a minute: right after a run or another report it still read 1.4 on an idle 2-core
 * machine, and a 100,000-record report kept to one thread (5.7 s of analysis instead of about
 * 3.5). A window shorter than `minWindowMs` is waited out first (core times move in 10 ms
 * ticks). Falls back to the load average where core times do not move.
 */
export function idleCoresSince(start: CoreClock, minWindowMs = 100): number {
  const left = minWindowMs - (performance.now() - start.atMs);
  if (left > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, left);
  const end = coreClock();
  const cores = availableParallelism();
  if (end.totalMs <= start.totalMs) return Math.max(0, cores - (loadavg()[0] ?? 0));
  const idle = (cores * (end.idleMs - start.idleMs)) / (end.totalMs - start.totalMs);
  const own = (end.ownCpuMs - start.ownCpuMs) / Math.max(1, end.atMs - start.atMs);
  return Math.min(cores, idle + own);
}

/** Cores idle now: idleCoresSince over a window of `windowMs` from now (this thread sleeps through it). */
export function idleCoresNow(windowMs = 100): number {
  return idleCoresSince(coreClock(), windowMs);
}

/**
 * Every group's values, blocks and sorted values (sorted once, here) in one shared buffer: the
 * buffer they already view when groupRecords laid them out in one (its ColumnArena), else a copy.
 */
function shareGroups(runners: readonly RunnerGroups[]): { arena: SharedArrayBuffer; groups: SharedGroup[][] } {
  const arraysOf = (g: Group): Float64Array[] => [...g.values, g.blocks, ...g.values.map((_, k) => sortedValues(g, k))];
  const first = runners[0]?.groups[0]?.values[0]?.buffer;
  if (first instanceof SharedArrayBuffer && runners.every((r) => r.groups.every((g) => arraysOf(g).every((a) => a.buffer === first)))) {
    const at = (a: Float64Array): [number, number] => [a.byteOffset / Float64Array.BYTES_PER_ELEMENT, a.length];
    return { arena: first, groups: runners.map((r) => r.groups.map((g) => ({ runner: g.runner, condition: g.condition, task: g.task, spans: arraysOf(g).map(at) }))) };
  }
  let length = 0;
  for (const r of runners) for (const g of r.groups) for (const a of arraysOf(g)) length += a.length;
  const arena = new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT);
  const view = new Float64Array(arena);
  let at = 0;
  const groups = runners.map((r) =>
    r.groups.map((g) => {
      const spans = arraysOf(g).map((a): [number, number] => {
        view.set(a, at);
        at += a.length;
        return [at - a.length, a.length];
      });
      return { runner: g.runner, condition: g.condition, task: g.task, spans };
    }),
  );
  return { arena, groups };
}

/** A worker's Group over the shared buffer (metrics: how many value arrays lead the spans). */
export function groupFromShared(s: SharedGroup, arena: SharedArrayBuffer, metrics: number): Group {
  const views = s.spans.map(([offset, length]) => new Float64Array(arena, offset * Float64Array.BYTES_PER_ELEMENT, length));
  return {
    runner: s.runner,
    condition: s.condition,
    task: s.task,
    outcomes: {} as Group['outcomes'], // not used by comparisons
    used: new Int32Array(0),
    values: views.slice(0, metrics),
    blocks: views[metrics] as Float64Array,
    sorted: views.slice(metrics + 1),
    logSorted: [],
  };
}

/** Comparisons whose worker threads are already starting (beginComparisons). */
export interface PendingComparisons {
  /**
   * Every runner's comparisons, as compareRunner would make them one by one, computed now; the
   * workers end with it. `meanwhile` is this thread's other work: it runs once the workers have
   * their input (the groups' values sorted, which it may read), before this thread takes units,
   * and calls `poll` every few milliseconds of it, which adds up the units the workers have
   * finished (until then, a worker's finished units hold its replicate slots) and returns how
   * many units are added up so far.
   */
  results(conditions: readonly string[], meanwhile?: (poll: () => number) => void): RunnerComparison[];
  /** Ends the workers when the results are never asked for (a report that failed on the way). */
  close(): void;
}

/**
 * Decides how many threads the comparisons of these groups get and starts their workers now,
 * before the caller's other work (cell statistics): a worker's start-up — loading its modules,
 * ~0.3 s from dist/ and more through tsx, then its first, unoptimised units — then overlaps
 * that work instead of delaying the comparisons. The workers wait for their input until
 * `results` is called. `since`: where the caller started measuring idle cores (coreClock), so
 * that the measure spans its own work instead of a wait.
 */
export function beginComparisons(runners: readonly RunnerGroups[], opt: ReportOptions, env: NodeJS.ProcessEnv = process.env, since?: CoreClock): PendingComparisons {
  const units = runners.reduce((n, r) => n + tasksOf(r.groups).length, 0);
  const compared = runners.reduce((n, r) => n + r.groups.filter((g) => g.condition !== opt.baseline).length, 0);
  const threads = threadsFor(units, compared * opt.metrics.length * opt.taskResamples, env, since);
  const workers = startWorkers(threads - 1);
  return {
    results: (conditions, meanwhile) => compareOnThreads(runners, conditions, opt, meanwhile ? { threads, workers, meanwhile } : { threads, workers }).results,
    close: () => workers.close(),
  };
}

/** Report workers started, each waiting on its port for a WorkerInput; closing ends them. */
interface StartedWorkers {
  ports: MessagePort[];
  close(): void;
}

function startWorkers(count: number): StartedWorkers {
  const workerUrl = new URL(`./compare-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let w = 0; w < count; w++) {
    const { port1, port2 } = new MessageChannel();
    const worker = startModuleWorker(workerUrl, { workerData: { port: port2 }, transferList: [port2] });
    worker.unref();
    worker.on('error', () => {}); // a worker that cannot start or crashes leaves its units to the main thread
    ports.push(port1);
    workers.push(worker);
  }
  let closed = false;
  return {
    ports,
    close: () => {
      if (closed) return;
      closed = true;
      for (const worker of workers) void worker.terminate();
      for (const port of ports) port.close();
    },
  };
}

/**
 * Every runner's comparisons on `threads` threads, with `workers` already started (else they
 * are started here) and ended before it returns; `meanwhile` as in PendingComparisons.results.
 * `mainThreadWorks: false` leaves every unit to the workers (tests use it to prove a worker's
 * results are the same); `slotsPerWorker` sets how many units' replicates a worker may leave
 * before it waits (tests make it wait). `fromWorkers` counts the units whose results came from a worker.
 */
export function compareOnThreads(
  runners: readonly RunnerGroups[],
  conditions: readonly string[],
  opt: ReportOptions,
  o: { threads: number; mainThreadWorks?: boolean; workers?: StartedWorkers; meanwhile?: (poll: () => number) => void; slotsPerWorker?: number },
): { results: RunnerComparison[]; fromWorkers: number } {
  const byKey = runners.map((r) => groupsByKey(r.groups));
  const units: Unit[] = runners.flatMap((r, i) => tasksOf(r.groups).map((task) => ({ runner: i, task })));
  const threads = Math.min(o.threads, units.length);
  const folds = runners.map((r) => new RunnerFold(r.runner, conditions, opt));
  const compute = (i: number, keepReplicates: boolean, fold?: RunnerFold): TaskComparison | null => {
    const u = units[i] as Unit;
    return compareTask({
      runner: (runners[u.runner] as RunnerGroups).runner, task: u.task, byKey: byKey[u.runner] as Map<string, Group>, conditions, options: opt,
      keepReplicates, ...(fold ? { onContribution: (c) => fold.addReplicates(c) } : {}),
    });
  };
  if (threads === 1) {
    o.workers?.close();
    o.meanwhile?.(() => 0);
    units.forEach((u, i) => {
      const fold = folds[u.runner] as RunnerFold;
      const t = compute(i, false, fold);
      if (t) fold.addTask(t, true);
    });
    return { results: folds.map((f) => f.result()), fromWorkers: 0 };
  }

  const { arena, groups } = shareGroups(runners);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const status = new Int32Array(new SharedArrayBuffer(4 * units.length));
  const workers = o.workers ?? startWorkers(threads - 1);
  const { ports } = workers;
  const slots = replicateSlots(ports.length, conditions.length, opt, o.slotsPerWorker);
  const replicates = new Float64Array(slots.buffer);
  ports.forEach((port, worker) => {
    const input: WorkerInput = { units, runners: runners.map((r) => r.runner), groups, conditions, options: opt, arena, counter, status, slots, worker };
    port.postMessage(input);
  });

  const done: (TaskComparison | null | undefined)[] = new Array(units.length);
  const slotOf = new Int32Array(units.length).fill(-1); // the slot holding a worker's unit's replicates
  let next = 0;
  let fromWorkers = 0;
  const foldReady = (): void => {
    while (next < units.length && done[next] !== undefined) {
      const t = done[next];
      if (t) (folds[(units[next] as Unit).runner] as RunnerFold).addTask(t, false);
      if ((slotOf[next] as number) >= 0) freeSlot(slots, slotOf[next] as number);
      done[next] = null;
      next++;
    }
  };
  const drain = (): void => {
    for (const port of ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const msg = m.message as WorkerMessage;
        if (msg.unit < next || done[msg.unit] !== undefined) {
          if ('slot' in msg) freeSlot(slots, msg.slot); // computed here already
          continue;
        }
        if ('error' in msg) done[msg.unit] = compute(msg.unit, true); // a failed unit: computed here (and its error thrown here)
        else {
          const start = msg.slot * slots.slotLength;
          msg.result?.contributions.forEach((c, j) => {
            const [offset, length] = msg.spans[j] as [number, number];
            c.replicates = replicates.subarray(start + offset, start + offset + length);
          });
          done[msg.unit] = msg.result;
          slotOf[msg.unit] = msg.slot;
          fromWorkers++;
        }
      }
    }
  };
  try {
    o.meanwhile?.(() => {
      drain();
      foldReady();
      return next;
    });
    for (let i = o.mainThreadWorks === false ? units.length : Atomics.add(counter, 0, 1); i < units.length; i = Atomics.add(counter, 0, 1)) {
      Atomics.store(status, i, CLAIMED);
      drain();
      foldReady();
      if (next === i) {
        // every earlier unit is added up: add this one as it runs, without copying its replicates
        const fold = folds[(units[i] as Unit).runner] as RunnerFold;
        const t = compute(i, false, fold);
        if (t) fold.addTask(t, true);
        done[i] = null;
        next++;
      } else done[i] = compute(i, true);
    }
    while (next < units.length) {
      drain();
      if (done[next] !== undefined) {
        foldReady();
        continue;
      }
      const state = Atomics.load(status, next);
      if (state === CLAIMED) {
        if (Atomics.wait(status, next, CLAIMED, WORKER_UNIT_TIMEOUT_MS) === 'timed-out') done[next] = compute(next, true);
      } else if (state === FAILED || state === DONE) {
        // the message was posted before the state was stored, so it is in the port now
        drain();
        done[next] ??= compute(next, true);
      } else {
        // counted by a worker that has not marked it yet
        Atomics.wait(status, next, 0, 1);
      }
    }
  } finally {
    Atomics.store(counter, 0, units.length); // nothing left for a worker still starting
    for (let slot = 0; slot < slots.state.length; slot++) freeSlot(slots, slot); // nor for one waiting for a slot
    workers.close();
  }
  return { results: folds.map((f) => f.result()), fromWorkers };
}

export const UNIT_STATE = { CLAIMED, DONE, FAILED } as const;
