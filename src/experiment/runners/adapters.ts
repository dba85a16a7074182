/** Runner adapters by kind, from the registry; the spec schema takes its runner names from here. */
import * as REGISTERED from './registry.ts';
import type { RunnerAdapter } from './types.ts';

const RUNNERS: Readonly<Record<string, RunnerAdapter>> = REGISTERED;

/** Runner kinds a spec may name (alphabetical: the order of a module namespace). */
export const RUNNER_NAMES: readonly string[] = Object.keys(RUNNERS);

export function runnerAdapter(kind: string): RunnerAdapter {
  const adapter = RUNNERS[kind];
  if (!adapter) throw new Error(`unknown runner kind "${kind}" (known: ${RUNNER_NAMES.join(', ')})`);
  return adapter;
}
