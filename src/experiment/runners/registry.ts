/**
 * The runner adapters by kind. Adding an agent CLI is a folder under runners/ exporting a
 * RunnerAdapter and one line here (CONTRIBUTING.md); the spec schema takes its names from
 * RUNNER_NAMES.
 */
import { claudeRunner } from './claude/index.ts';
import { commandRunner } from './command/index.ts';
import { opencodeRunner } from './opencode/index.ts';
import type { RunnerAdapter } from './types.ts';

const RUNNERS: Readonly<Record<string, RunnerAdapter>> = {
  claude: claudeRunner,
  opencode: opencodeRunner,
  command: commandRunner,
};

/** Runner kinds a spec may name, in registration order. */
export const RUNNER_NAMES: readonly string[] = Object.keys(RUNNERS);

export function runnerAdapter(kind: string): RunnerAdapter {
  const adapter = RUNNERS[kind];
  if (!adapter) throw new Error(`unknown runner kind "${kind}" (known: ${RUNNER_NAMES.join(', ')})`);
  return adapter;
}
