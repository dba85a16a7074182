/**
 * Errors of experiment and task specs. A SpecError is a ConfigError (same located message:
 * `file:line:col: key: detail`) with a finer stable `reason` for the orchestrator's cases.
 */
import { ConfigError, type ConfigErrorCode } from './config-error.ts';

export interface SpecLocation {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `conditions[1].name`, or a CLI flag such as `--runners`. */
  key?: string;
}

export type SpecErrorReason =
  | 'spec_not_found'
  | 'unknown_runner'
  | 'unknown_condition'
  | 'duplicate_condition'
  | 'duplicate_runner'
  | 'duplicate_task'
  | 'task_not_found'
  | 'workspace_not_found'
  | 'invalid_value'
  | 'override_invalid';

const CODE_OF: Record<SpecErrorReason, ConfigErrorCode> = {
  spec_not_found: 'config_not_found',
  task_not_found: 'config_not_found',
  workspace_not_found: 'config_not_found',
  unknown_runner: 'config_invalid',
  unknown_condition: 'config_invalid',
  duplicate_condition: 'config_invalid',
  duplicate_runner: 'config_invalid',
  duplicate_task: 'config_invalid',
  invalid_value: 'config_invalid',
  override_invalid: 'config_invalid',
};

export class SpecError extends ConfigError {
  readonly reason: SpecErrorReason;

  constructor(reason: SpecErrorReason, detail: string, loc: SpecLocation = {}, o: { validValues?: readonly string[]; validLabel?: string; cause?: unknown } = {}) {
    super(detail, { code: CODE_OF[reason], ...loc, ...o });
    this.name = 'SpecError';
    this.reason = reason;
  }
}
