/** Errors of the spend log (writer and reader), with stable codes. */

export type SpendLogErrorCode =
  /** A constructor option was out of range. */
  | 'invalid_option'
  /** Appending to the spend log failed; the records stay in memory for a retry. */
  | 'write_failed'
  /** The spend log file does not exist. */
  | 'not_found'
  /** The spend log could not be read. */
  | 'read_failed';

export class SpendLogError extends Error {
  readonly code: SpendLogErrorCode;
  readonly context: Record<string, unknown>;
  constructor(message: string, code: SpendLogErrorCode, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SpendLogError';
    this.code = code;
    this.context = context;
  }
}
