/**
 * Cloud Storage for the GCE launcher and its VMs, through Google's own client
 * (@google-cloud/storage 7.x, the last line that runs on Node 20): `gs://` URIs, and a
 * prefix ("folder") to upload files to, list, download and delete. `endpoint` points the
 * client at another JSON API server (AGENTAB_GCS_ENDPOINT; the tests' fake GCS).
 *
 * Uploads overwrite (our objects are rewritten whole with the same meaning), so they are
 * retried on transient errors like reads (the client retries only conditional writes by
 * default).
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { IdempotencyStrategy, Storage } from '@google-cloud/storage';

import { formatGsUri, parseGsUri, type GsUri } from './gs-uri.ts';

export { formatGsUri, joinGsUri, parseGsUri, type GsUri } from './gs-uri.ts';

export interface StorageOptions {
  /** JSON API endpoint, e.g. http://127.0.0.1:4443 (AGENTAB_GCS_ENDPOINT); default: Google's. */
  endpoint?: string;
  projectId?: string;
}

export function createStorage(o: StorageOptions = {}): Storage {
  return new Storage({
    ...(o.endpoint ? { apiEndpoint: o.endpoint } : {}),
    ...(o.projectId ? { projectId: o.projectId } : {}),
    retryOptions: { autoRetry: true, maxRetries: 5, idempotencyStrategy: IdempotencyStrategy.RetryAlways },
  });
}

export interface ObjectInfo {
  /** Name relative to the prefix (no leading slash). */
  rel: string;
  size: number;
  updated: string;
}

/** A "folder" of a bucket: every name is relative to the prefix. */
export class GcsPrefix {
  readonly uri: GsUri;

  constructor(
    readonly storage: Storage,
    uri: string | GsUri,
  ) {
    this.uri = typeof uri === 'string' ? parseGsUri(uri) : uri;
  }

  toString(): string {
    return formatGsUri(this.uri);
  }

  /** The object name of `rel`. */
  key(rel: string): string {
    return [this.uri.prefix, rel.replace(/^\/+/, '')].filter(Boolean).join('/');
  }

  private file(rel: string) {
    return this.storage.bucket(this.uri.bucket).file(this.key(rel));
  }

  async uploadFile(rel: string, localFile: string, contentType?: string): Promise<void> {
    await this.storage.bucket(this.uri.bucket).upload(localFile, { destination: this.key(rel), resumable: false, ...(contentType ? { contentType } : {}) });
  }

  async save(rel: string, data: string | Buffer, contentType = 'application/octet-stream'): Promise<void> {
    await this.file(rel).save(data, { resumable: false, contentType });
  }

  /** Every object under the prefix (all pages), or under `rel` within it. */
  async list(rel = ''): Promise<ObjectInfo[]> {
    const base = this.uri.prefix ? `${this.uri.prefix}/` : '';
    const [files] = await this.storage.bucket(this.uri.bucket).getFiles({ prefix: base + rel.replace(/^\/+/, ''), autoPaginate: true });
    return files.map((f) => ({ rel: f.name.slice(base.length), size: Number(f.metadata.size ?? 0), updated: String(f.metadata.updated ?? '') }));
  }

  async read(rel: string): Promise<Buffer> {
    const [data] = await this.file(rel).download();
    return data;
  }

  /** Downloads to a local file (parent dirs created), streaming. */
  async downloadTo(rel: string, localFile: string): Promise<void> {
    await mkdir(path.dirname(localFile), { recursive: true });
    await pipeline(this.file(rel).createReadStream(), createWriteStream(localFile));
  }

  async exists(rel: string): Promise<boolean> {
    const [yes] = await this.file(rel).exists();
    return yes;
  }

  async delete(rel: string): Promise<void> {
    await this.file(rel).delete({ ignoreNotFound: true });
  }
}

/** A 404 from the client (object or bucket missing). */
export const isNotFound = (e: unknown): boolean => (e as { code?: number })?.code === 404;
