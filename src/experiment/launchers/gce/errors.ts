/** Errors of the GCE launcher: a stable `code`, whether trying again may help, and the cause. */
export type GceErrorCode =
  | 'gce_options_invalid'
  | 'gce_bundle_secret' // a literal secret would have gone into the bundle
  | 'gce_bundle_invalid'
  | 'gce_job_invalid' // the Job does not match the Batch v1 protos
  | 'gce_api' // Batch or Cloud Storage answered with an error
  | 'gce_task_failed';

export class GceError extends Error {
  readonly code: GceErrorCode;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;
  constructor(code: GceErrorCode, message: string, o: { retryable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'GceError';
    this.code = code;
    this.retryable = o.retryable ?? false;
    this.context = o.context ?? {};
  }
}
