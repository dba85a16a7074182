/**
 * `gs://bucket/prefix` URIs: parsed, formatted, joined. Apart from src/cloud/gcs.ts (which
 * re-exports them) so that code which only names objects, like the GCE launcher's planning,
 * does not load Google's storage client.
 */

export interface GsUri {
  bucket: string;
  /** Object-name prefix without leading or trailing slash ('' for the bucket's root). */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Parses `gs://bucket/some/prefix`; throws a message that names the expected shape. */
export function parseGsUri(uri: string): GsUri {
  const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(uri.trim());
  if (!m || !BUCKET.test(m[1]!)) throw new Error(`not a Cloud Storage URI: "${uri}" (expected gs://<bucket>/<prefix>, bucket names are lowercase letters, digits, "-", "_" and ".")`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) throw new Error(`Cloud Storage URI "${uri}": "." and ".." are not allowed in the path`);
  return { bucket: m[1]!, prefix };
}

export const formatGsUri = (u: GsUri): string => `gs://${u.bucket}${u.prefix ? `/${u.prefix}` : ''}`;

/** The URI of `rel` under `base` (gs://b/p + a/b → gs://b/p/a/b). */
export const joinGsUri = (base: string, rel: string): string => formatGsUri({ ...parseGsUri(base), prefix: [parseGsUri(base).prefix, rel.replace(/^\/+/, '')].filter(Boolean).join('/') });
