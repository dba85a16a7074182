/**
 * A report worker thread (compare-parallel.ts): takes units (one runner's task) from the shared
 * counter until none is left, and posts each result, its replicates transferred, not copied.
 */
import { workerData } from 'node:worker_threads';
import { compareTask, groupsByKey } from './compare.ts';
import { groupFromShared, UNIT_STATE, type WorkerInput, type WorkerMessage } from './compare-parallel.ts';

const input = workerData as WorkerInput;
const metrics = input.options.metrics.length;
const byKey = input.groups.map((groups) => groupsByKey(groups.map((g) => groupFromShared(g, input.arena, metrics))));

for (let i = Atomics.add(input.counter, 0, 1); i < input.units.length; i = Atomics.add(input.counter, 0, 1)) {
  Atomics.store(input.status, i, UNIT_STATE.CLAIMED);
  const unit = input.units[i] as WorkerInput['units'][number];
  let message: WorkerMessage;
  let transfer: ArrayBuffer[] = [];
  try {
    const result = compareTask({
      runner: input.runners[unit.runner] as string,
      task: unit.task,
      byKey: byKey[unit.runner] as ReturnType<typeof groupsByKey>,
      conditions: input.conditions,
      options: input.options,
      keepReplicates: true,
    });
    message = { unit: i, result };
    transfer = result ? result.contributions.map((c) => c.replicates.buffer as ArrayBuffer) : [];
  } catch (e) {
    message = { unit: i, error: (e as Error).message };
  }
  input.port.postMessage(message, transfer);
  Atomics.store(input.status, i, 'error' in message ? UNIT_STATE.FAILED : UNIT_STATE.DONE);
  Atomics.notify(input.status, i);
}
input.port.close();
