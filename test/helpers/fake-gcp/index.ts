/**
 * Local fakes of the Google Cloud services the GCE launcher uses, each answering what the
 * official client sends: Batch v1 (REST fallback of @google-cloud/batch), Cloud Storage's
 * JSON API (@google-cloud/storage), the GCE metadata server (google-auth-library,
 * gcp-metadata) and Secret Manager (secretVariables).
 *
 *   const metadata = await startFakeMetadata();             // GCE_METADATA_HOST=metadata.host
 *   const gcs = await startFakeGcs({ buckets: ['b'] });    // new Storage({ apiEndpoint: gcs.url })
 *   const batch = await startFakeBatch({ tokens: metadata.tokens, executor });
 *   new v1.BatchServiceClient(batch.clientOptions)
 */
export { startFakeBatch, type FakeBatch, type FakeBatchOptions, type JobJson, type JobState, type TaskState } from './batch.ts';
export { checkProto3Json, batchRoot, batchType } from './batch-protos.ts';
export { startFakeGcs, type FakeGcs, type FakeGcsOptions, type StoredObject } from './gcs.ts';
export { startFakeMetadata, type FakeMetadata, type FakeVm } from './metadata.ts';
export { FakeSecretManager } from './secret-manager.ts';
export { processExecutor, podmanExecutor, commandLine, FAKE_BATCH_LABEL, type TaskExecutor, type ContainerRunnable } from './task-executors.ts';
export type { RecordedRequest } from './http.ts';
