/**
 * A fake Cloud Storage JSON API for `@google-cloud/storage` 7.x pointed at it with
 * `new Storage({apiEndpoint: fake.url, projectId})`: buckets get/insert; objects upload
 * (uploadType media, multipart, and resumable sessions with chunked PUTs and status
 * queries), get (metadata, or the bytes with alt=media and Range, with the x-goog-hash the
 * client validates downloads against), list (prefix, delimiter, maxResults/pageToken),
 * delete; generation preconditions (ifGenerationMatch=0: create only) answer 412 as GCS does.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CRC32C } from '@google-cloud/storage';
import { GoogleApiError, invalid, sendJson, serve, type FakeServer } from './http.ts';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  contentType: string;
  generation: string;
  metadata?: Record<string, string>;
  created: string;
  updated: string;
}

export interface FakeGcsOptions {
  /** Buckets that exist at start (others are created with buckets.insert or `fake.createBucket`). */
  buckets?: string[];
  /** Accepted bearer tokens; unset: requests need none (the client sends none to a custom endpoint). */
  tokens?: Set<string>;
  /** A bucket that does not exist is created on first upload (default false: 404 as GCS). */
  autoCreateBuckets?: boolean;
}

export interface FakeGcs extends FakeServer {
  /** `bucket/name` → object. */
  objects: Map<string, StoredObject>;
  buckets: Set<string>;
  createBucket(name: string): void;
  /** Object names of a bucket under a prefix, sorted. */
  list(bucket: string, prefix?: string): string[];
  read(bucket: string, name: string): Buffer | undefined;
  /** Puts an object directly (a test's fixture). */
  put(bucket: string, name: string, data: string | Buffer, contentType?: string): void;
  /** Makes the next `n` upload requests (any kind) fail with 503 (a flaky network). */
  failUploads(n: number): void;
}

interface Session {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  chunks: Buffer[];
  received: number;
  ifGenerationMatch?: string;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const crc32c = (b: Buffer) => {
  const c = new CRC32C();
  c.update(b);
  return c.toString();
};

export async function startFakeGcs(o: FakeGcsOptions = {}): Promise<FakeGcs> {
  const objects = new Map<string, StoredObject>();
  const buckets = new Set(o.buckets ?? []);
  const sessions = new Map<string, Session>();
  let generation = 1_700_000_000_000_000;
  let failUploads = 0;
  let base = '';

  const resource = (obj: StoredObject) => ({
    kind: 'storage#object',
    id: `${obj.bucket}/${obj.name}/${obj.generation}`,
    selfLink: `${base}/storage/v1/b/${obj.bucket}/o/${encodeURIComponent(obj.name)}`,
    mediaLink: `${base}/download/storage/v1/b/${obj.bucket}/o/${encodeURIComponent(obj.name)}?generation=${obj.generation}&alt=media`,
    name: obj.name,
    bucket: obj.bucket,
    generation: obj.generation,
    metageneration: '1',
    contentType: obj.contentType,
    storageClass: 'STANDARD',
    size: String(obj.data.length),
    md5Hash: md5(obj.data),
    crc32c: crc32c(obj.data),
    etag: `C${obj.generation.slice(-8)}=`,
    timeCreated: obj.created,
    updated: obj.updated,
    ...(obj.metadata ? { metadata: obj.metadata } : {}),
  });

  const needBucket = (bucket: string) => {
    if (buckets.has(bucket)) return;
    if (o.autoCreateBuckets) buckets.add(bucket);
    else throw new GoogleApiError(404, 'NOT_FOUND', `The specified bucket does not exist.`);
  };

  const store = (s: Omit<Session, 'chunks' | 'received'>, data: Buffer) => {
    needBucket(s.bucket);
    if (!s.name) throw invalid('Required parameter: name');
    const key = `${s.bucket}/${s.name}`;
    const existing = objects.get(key);
    if (s.ifGenerationMatch !== undefined && (existing?.generation ?? '0') !== s.ifGenerationMatch) {
      throw new GoogleApiError(412, 'FAILED_PRECONDITION', 'At least one of the pre-conditions you specified did not hold.');
    }
    const t = new Date().toISOString();
    const obj: StoredObject = { bucket: s.bucket, name: s.name, data, contentType: s.contentType || 'application/octet-stream', generation: String(++generation), metadata: s.metadata, created: existing?.created ?? t, updated: t };
    objects.set(key, obj);
    return obj;
  };

  const parseMultipart = (req: IncomingMessage, body: Buffer): { meta: Record<string, unknown>; data: Buffer; contentType: string } => {
    const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type'] ?? ''))?.[1];
    if (!boundary) throw invalid('multipart upload without a boundary');
    const text = body.toString('latin1');
    const parts = text.split(`--${boundary}`).slice(1, -1);
    const decoded = parts.map((p) => {
      const sep = p.indexOf('\r\n\r\n');
      const head = p.slice(0, sep);
      let content = p.slice(sep + 4);
      if (content.endsWith('\r\n')) content = content.slice(0, -2);
      return { type: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '', data: Buffer.from(content, 'latin1') };
    });
    if (decoded.length !== 2) throw invalid(`multipart upload with ${decoded.length} parts (expected metadata and media)`);
    return { meta: JSON.parse(decoded[0]!.data.toString('utf8')) as Record<string, unknown>, data: decoded[1]!.data, contentType: decoded[1]!.type };
  };

  const handler = async (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => {
    if (o.tokens) {
      const auth = String(req.headers.authorization ?? '');
      if (!o.tokens.has(auth.replace(/^Bearer /, ''))) throw new GoogleApiError(401, 'UNAUTHENTICATED', 'Anonymous caller does not have storage.objects access.');
    }
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    let m: RegExpExecArray | null;

    // uploads
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname))) {
      if (failUploads > 0) {
        failUploads--;
        throw new GoogleApiError(503, 'UNAVAILABLE', 'fake GCS: injected upload failure');
      }
      const bucket = decodeURIComponent(m[1]!);
      const type = q.get('uploadType');
      const ifGenerationMatch = q.get('ifGenerationMatch') ?? undefined;
      if (method === 'POST' && type === 'media') {
        const obj = store({ bucket, name: q.get('name') ?? '', contentType: String(req.headers['content-type'] ?? ''), ifGenerationMatch }, body);
        return sendJson(res, 200, resource(obj));
      }
      if (method === 'POST' && type === 'multipart') {
        const { meta, data, contentType } = parseMultipart(req, body);
        const obj = store({ bucket, name: String(meta.name ?? q.get('name') ?? ''), contentType: String(meta.contentType ?? contentType), metadata: meta.metadata as Record<string, string> | undefined, ifGenerationMatch }, data);
        return sendJson(res, 200, resource(obj));
      }
      if (method === 'POST' && type === 'resumable') {
        needBucket(bucket);
        const meta = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        const id = randomBytes(12).toString('hex');
        sessions.set(id, {
          bucket,
          name: String(q.get('name') ?? meta.name ?? ''),
          contentType: String(req.headers['x-upload-content-type'] ?? meta.contentType ?? ''),
          metadata: meta.metadata as Record<string, string> | undefined,
          chunks: [],
          received: 0,
          ifGenerationMatch,
        });
        res.writeHead(200, { location: `${base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}`, 'content-length': 0 });
        return res.end();
      }
      if (method === 'PUT' && type === 'resumable') {
        const id = q.get('upload_id') ?? '';
        const s = sessions.get(id);
        if (!s) throw new GoogleApiError(404, 'NOT_FOUND', `No upload session ${id}`);
        const range = String(req.headers['content-range'] ?? '');
        // "bytes a-b/total" a chunk, "bytes a-b/*" a chunk of unknown total, "bytes a-*/*" the
        // rest in one streamed request (final), "bytes */total" a status query
        const cm = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(range);
        if (range && !cm) throw invalid(`bad Content-Range "${range}"`);
        if (cm?.[1] !== undefined) {
          if (Number(cm[1]) !== s.received) throw invalid(`chunk starts at ${cm[1]}, expected ${s.received}`);
          s.chunks.push(body);
          s.received += body.length;
        } else if (!range) {
          s.chunks.push(body);
          s.received += body.length;
        }
        const total = cm?.[3];
        const streamedRest = cm?.[2] === '*';
        if (!streamedRest && (total === '*' || (total !== undefined && Number(total) > s.received))) {
          res.writeHead(308, s.received ? { range: `bytes=0-${s.received - 1}`, 'content-length': 0 } : { 'content-length': 0 });
          return res.end();
        }
        sessions.delete(id);
        return sendJson(res, 200, resource(store(s, Buffer.concat(s.chunks))));
      }
      throw invalid(`unsupported upload: ${method} uploadType=${type}`);
    }

    // buckets
    if (url.pathname === '/storage/v1/b' && method === 'POST') {
      const meta = JSON.parse(body.toString('utf8') || '{}') as { name?: string };
      if (!meta.name) throw invalid('Required parameter: name');
      if (buckets.has(meta.name)) throw new GoogleApiError(409, 'ALREADY_EXISTS', 'Your previous request to create the named bucket succeeded and you already own it.');
      buckets.add(meta.name);
      return sendJson(res, 200, { kind: 'storage#bucket', id: meta.name, name: meta.name, location: 'US', storageClass: 'STANDARD' });
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname)) && method === 'GET') {
      const bucket = decodeURIComponent(m[1]!);
      if (!buckets.has(bucket)) throw new GoogleApiError(404, 'NOT_FOUND', 'The specified bucket does not exist.');
      return sendJson(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket, location: 'US', storageClass: 'STANDARD' });
    }

    // list
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname)) && method === 'GET') {
      const bucket = decodeURIComponent(m[1]!);
      needBucket(bucket);
      const prefix = q.get('prefix') ?? '';
      const delimiter = q.get('delimiter') ?? '';
      const max = Math.min(Number(q.get('maxResults')) || 1000, 1000);
      const after = q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString() : '';
      const names = [...objects.values()].filter((x) => x.bucket === bucket && x.name.startsWith(prefix)).map((x) => x.name).sort();
      const items: StoredObject[] = [];
      const prefixes = new Set<string>();
      let next: string | undefined;
      for (const name of names) {
        if (name <= after) continue;
        const rest = name.slice(prefix.length);
        const cut = delimiter ? rest.indexOf(delimiter) : -1;
        if (cut >= 0) {
          prefixes.add(prefix + rest.slice(0, cut + delimiter.length));
          continue;
        }
        if (items.length === max) {
          next = Buffer.from(items.at(-1)!.name).toString('base64url');
          break;
        }
        items.push(objects.get(`${bucket}/${name}`)!);
      }
      return sendJson(res, 200, {
        kind: 'storage#objects',
        ...(items.length ? { items: items.map(resource) } : {}),
        ...(prefixes.size ? { prefixes: [...prefixes] } : {}),
        ...(next ? { nextPageToken: next } : {}),
      });
    }

    // one object (also the download host's path)
    if ((m = /^(?:\/download)?\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname))) {
      const bucket = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      needBucket(bucket);
      const obj = objects.get(`${bucket}/${name}`);
      if (!obj) throw new GoogleApiError(404, 'NOT_FOUND', `No such object: ${bucket}/${name}`);
      if (method === 'DELETE') {
        objects.delete(`${bucket}/${name}`);
        res.writeHead(204);
        return res.end();
      }
      if (method !== 'GET') throw invalid(`unsupported ${method} on an object`);
      if (q.get('alt') !== 'media') return sendJson(res, 200, resource(obj));
      const headers: Record<string, string> = {
        'content-type': obj.contentType,
        'x-goog-hash': `crc32c=${crc32c(obj.data)},md5=${md5(obj.data)}`,
        'x-goog-generation': obj.generation,
        'x-goog-stored-content-length': String(obj.data.length),
        'x-goog-stored-content-encoding': 'identity',
      };
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), obj.data.length - 1) : obj.data.length - 1;
        const slice = obj.data.subarray(start, end + 1);
        res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${obj.data.length}`, 'content-length': slice.length });
        return res.end(slice);
      }
      res.writeHead(200, { ...headers, 'content-length': obj.data.length });
      return res.end(obj.data);
    }
    throw new GoogleApiError(404, 'NOT_FOUND', `The fake GCS has no ${method} ${url.pathname}`);
  };

  const server = await serve(handler);
  base = server.url;
  return {
    ...server,
    objects,
    buckets,
    createBucket: (name) => void buckets.add(name),
    list: (bucket, prefix = '') => [...objects.values()].filter((x) => x.bucket === bucket && x.name.startsWith(prefix)).map((x) => x.name).sort(),
    read: (bucket, name) => objects.get(`${bucket}/${name}`)?.data,
    put: (bucket, name, data, contentType = 'application/octet-stream') => {
      buckets.add(bucket);
      store({ bucket, name, contentType }, Buffer.isBuffer(data) ? data : Buffer.from(data));
    },
    failUploads: (n) => void (failUploads = n),
  };
}
