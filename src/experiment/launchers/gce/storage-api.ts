/**
 * The Cloud Storage calls of the launcher, over Google's client (@google-cloud/storage 7.x,
 * Node-20 compatible) and its JSON API; `endpoint` points it at another server (tests).
 * The client (with its retry settings) comes from src/cloud/gcs.ts, shared with the VMs' results sink.
 */
import type { Storage } from '@google-cloud/storage';
import { GceError } from './errors.ts';

export interface StorageApi {
  upload(bucket: string, name: string, data: Buffer, contentType: string): Promise<void>;
  /** Object names under `prefix`, every page. */
  list(bucket: string, prefix: string): Promise<string[]>;
  download(bucket: string, name: string): Promise<Buffer>;
}

function apiError(what: string, e: unknown): GceError {
  const err = e as { code?: number; message?: string };
  return new GceError('gce_api', `Cloud Storage ${what}: ${err.message ?? String(e)}`, { retryable: err.code === undefined || err.code >= 500 || err.code === 429, cause: e, context: { status: err.code } });
}

export function createStorageApi(o: { endpoint?: string; project?: string } = {}): StorageApi {
  // loaded on first use, like the Batch client
  let made: Promise<Storage> | undefined;
  const client = () => (made ??= import('../../../cloud/gcs.ts').then(({ createStorage }) => createStorage({ endpoint: o.endpoint, projectId: o.project })));
  return {
    async upload(bucket, name, data, contentType) {
      try {
        await (await client()).bucket(bucket).file(name).save(data, { resumable: false, contentType, validation: false });
      } catch (e) {
        throw apiError(`upload gs://${bucket}/${name}`, e);
      }
    },
    async list(bucket, prefix) {
      try {
        const [files] = await (await client()).bucket(bucket).getFiles({ prefix, autoPaginate: true });
        return files.map((f) => f.name);
      } catch (e) {
        throw apiError(`list gs://${bucket}/${prefix}`, e);
      }
    },
    async download(bucket, name) {
      try {
        const [data] = await (await client()).bucket(bucket).file(name).download({ validation: false });
        return data;
      } catch (e) {
        throw apiError(`download gs://${bucket}/${name}`, e);
      }
    },
  };
}
