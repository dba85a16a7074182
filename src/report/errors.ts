/** Errors of the report command: bad inputs and options, with stable codes. */
export type ReportErrorCode =
  | 'no_records'
  | 'write_failed'
  | 'unreadable_input'
  | 'bad_record'
  | 'mixed_experiments'
  | 'unknown_baseline'
  | 'unknown_metric'
  | 'bad_option';

export class ReportError extends Error {
  readonly code: ReportErrorCode;
  readonly retryable = false;
  readonly context: Record<string, unknown>;
  constructor(message: string, code: ReportErrorCode, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ReportError';
    this.code = code;
    this.context = context;
  }
}
