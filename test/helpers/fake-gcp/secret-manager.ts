/**
 * A fake Secret Manager: secrets by resource name, with versions. The fake Batch resolves a
 * job's `secretVariables` (projects/<p>/secrets/<s>/versions/<v|latest>) through it, as
 * Batch does with the job's service account; `handle` also answers Secret Manager's REST
 * `versions/*:access`, so a client can read one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GoogleApiError, sendJson } from './http.ts';

const NAME = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/;

export class FakeSecretManager {
  /** projects/<p>/secrets/<s> → versions in order (version n is index n-1). */
  private readonly secrets = new Map<string, string[]>();
  /** Resource names that were read (by a task's environment or the REST API). */
  readonly accessed: string[] = [];

  /** Adds a version; returns its full name (…/versions/<n>). */
  add(project: string, secret: string, value: string): string {
    const key = `projects/${project}/secrets/${secret}`;
    const versions = this.secrets.get(key) ?? [];
    versions.push(value);
    this.secrets.set(key, versions);
    return `${key}/versions/${versions.length}`;
  }

  /** The value of a secret version name; throws Google's NOT_FOUND / INVALID_ARGUMENT. */
  resolve(name: string): string {
    const m = NAME.exec(name);
    if (!m) throw new GoogleApiError(400, 'INVALID_ARGUMENT', `"${name}" is not a secret version name (projects/<project>/secrets/<secret>/versions/<version|latest>)`);
    const versions = this.secrets.get(`projects/${m[1]}/secrets/${m[2]}`);
    if (!versions) throw new GoogleApiError(404, 'NOT_FOUND', `Secret [projects/${m[1]}/secrets/${m[2]}] not found or has no versions.`);
    const v = m[3] === 'latest' ? versions.length : Number(m[3]);
    const value = Number.isInteger(v) && v >= 1 ? versions[v - 1] : undefined;
    if (value === undefined) throw new GoogleApiError(404, 'NOT_FOUND', `Secret Version [${name}] not found.`);
    this.accessed.push(name);
    return value;
  }

  /** Answers `GET /v1/projects/*\/secrets/*\/versions/*:access`; false when the path is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const m = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/:]+):access$/.exec(url.pathname);
    if (!m || req.method !== 'GET') return false;
    const value = this.resolve(m[1]!);
    sendJson(res, 200, { name: m[1], payload: { data: Buffer.from(value).toString('base64') } });
    return true;
  }
}
