/**
 * A report worker thread (compare-parallel.ts): takes units (one runner's task) from the shared
 * counter until none is left, and posts each result.
 *
 * The replicates are copied into one of this worker's slots of shared memory (ReplicateSlots),
 * never posted: copied into a message they became new external memory on the main thread, which
 * started collections of its whole heap; and never transferred: transferring an ArrayBuffer
 * detaches it, and the first detach in an isolate invalidates V8's "no typed array was ever
 * detached" assumption, deoptimises every function compiled on it and makes every typed-array
 * access check for detachment from then on. Transferring made this thread's bootstrap loops
 * ~1.8× slower per task than the main thread's (bench/PROFILE.md, ninth pass).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { compareTask, groupsByKey } from './compare.ts';
import { freeSlot, groupFromShared, slotView, takeSlot, UNIT_STATE, type WorkerInput, type WorkerMessage } from './compare-parallel.ts';

const { port } = workerData as { port: MessagePort };
// Started before its work is known (beginComparisons): the input comes on the port.
port.once('message', (input: WorkerInput) => work(input));

/** Takes units until none is left, posting each one's result. */
function work(input: WorkerInput): void {
  const metrics = input.options.metrics.length;
  const byKey = input.groups.map((groups) => groupsByKey(groups.map((g) => groupFromShared(g, input.arena, metrics))));

  for (let i = Atomics.add(input.counter, 0, 1); i < input.units.length; i = Atomics.add(input.counter, 0, 1)) {
    Atomics.store(input.status, i, UNIT_STATE.CLAIMED);
    const unit = input.units[i] as WorkerInput['units'][number];
    const slot = takeSlot(input.slots, input.worker);
    const kept = slotView(input.slots, slot);
    const spans: [number, number][] = [];
    let used = 0;
    const keep = (replicates: Float64Array): Float64Array => {
      if (used + replicates.length > kept.length) throw new Error(`a task's replicates overflow its slot of ${kept.length} doubles`);
      const copy = kept.subarray(used, used + replicates.length);
      copy.set(replicates);
      spans.push([used, replicates.length]);
      used += replicates.length;
      return copy;
    };
    let message: WorkerMessage;
    try {
      const result = compareTask({
        runner: input.runners[unit.runner] as string,
        task: unit.task,
        byKey: byKey[unit.runner] as ReturnType<typeof groupsByKey>,
        conditions: input.conditions,
        options: input.options,
        keepReplicates: keep,
      });
      // the replicates are in the slot: the message carries none
      for (const c of result?.contributions ?? []) c.replicates = new Float64Array(0);
      message = { unit: i, result, slot, spans };
    } catch (e) {
      freeSlot(input.slots, slot);
      message = { unit: i, error: (e as Error).message };
    }
    port.postMessage(message);
    Atomics.store(input.status, i, 'error' in message ? UNIT_STATE.FAILED : UNIT_STATE.DONE);
    Atomics.notify(input.status, i);
  }
  port.close();
}
