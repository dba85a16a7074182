/** The runner adapters by kind. */
import type { RunnerKind } from '../../config/experiment-types.ts';
import { claudeRunner } from './claude.ts';
import { commandRunner } from './command.ts';
import { opencodeRunner } from './opencode.ts';
import type { RunnerAdapter } from './types.ts';

const ADAPTERS: Record<RunnerKind, RunnerAdapter> = {
  claude: claudeRunner,
  opencode: opencodeRunner,
  command: commandRunner,
};

export function runnerAdapter(kind: RunnerKind): RunnerAdapter {
  return ADAPTERS[kind];
}
