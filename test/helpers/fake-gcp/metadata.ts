/**
 * A fake GCE metadata server, as google-auth-library and gcp-metadata query it when
 * GCE_METADATA_HOST points here: every answer carries `Metadata-Flavor: Google` (the
 * client rejects one without it), requests without that header are refused with 403 as on
 * a real VM, and the token endpoint hands out opaque access tokens that the fake Batch,
 * GCS and registry can check (`isIssued`).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { serve, type FakeServer } from './http.ts';

export interface FakeVm {
  /** Instance name, e.g. agentab-job-group0-0. */
  name: string;
  zone: string;
  machineType: string;
  id?: string;
}

export interface FakeMetadataOptions {
  projectId?: string;
  numericProjectId?: string;
  serviceAccount?: string;
  /** The VM this server describes (instance/name, zone, machine-type). */
  vm?: FakeVm;
  /** Tokens every fake accepts: share one set between servers of one fake project. */
  tokens?: Set<string>;
}

export interface FakeMetadata extends FakeServer {
  /** host:port, the value for GCE_METADATA_HOST. */
  host: string;
  projectId: string;
  serviceAccount: string;
  vm: FakeVm;
  /** Every access token handed out (shared set when given in the options). */
  tokens: Set<string>;
  /** The token requests received. */
  tokenRequests(): number;
}

export async function startFakeMetadata(o: FakeMetadataOptions = {}): Promise<FakeMetadata> {
  const projectId = o.projectId ?? 'fake-project';
  const numericProjectId = o.numericProjectId ?? '123456789012';
  const serviceAccount = o.serviceAccount ?? `agentab-runner@${projectId}.iam.gserviceaccount.com`;
  const vm: FakeVm = o.vm ?? { name: 'fake-vm-0', zone: 'us-central1-a', machineType: 'e2-standard-4' };
  const tokens = o.tokens ?? new Set<string>();
  let tokenRequests = 0;

  const text = (res: ServerResponse, status: number, body: string, type = 'application/text') => {
    res.writeHead(status, { 'metadata-flavor': 'Google', 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const saPaths = (account: string) => account === 'default' || account === serviceAccount;

  const server = await serve((req, res, _body, url) => {
    if (String(req.headers['metadata-flavor'] ?? '').toLowerCase() !== 'google') {
      text(res, 403, 'Missing required header: "Metadata-Flavor"', 'text/html');
      return;
    }
    const p = url.pathname.replace(/\/+$/, '');
    const base = '/computeMetadata/v1';
    if (!p.startsWith(base)) return text(res, 404, 'Not Found', 'text/html');
    const key = p.slice(base.length).replace(/^\//, '');
    const sa = /^instance\/service-accounts\/([^/]+)(?:\/(.*))?$/.exec(key);
    if (sa && saPaths(sa[1]!)) {
      const what = sa[2] ?? '';
      if (what === 'token') {
        tokenRequests++;
        const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
        tokens.add(token);
        return text(res, 200, JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }), 'application/json');
      }
      if (what === 'email') return text(res, 200, serviceAccount);
      if (what === 'scopes') return text(res, 200, 'https://www.googleapis.com/auth/cloud-platform\n');
      if (what === 'aliases') return text(res, 200, 'default\n');
      if (what === '' && url.searchParams.get('recursive') === 'true') {
        return text(res, 200, JSON.stringify({ aliases: ['default'], email: serviceAccount, scopes: ['https://www.googleapis.com/auth/cloud-platform'] }), 'application/json');
      }
    }
    const values: Record<string, string> = {
      'project/project-id': projectId,
      'project/numeric-project-id': numericProjectId,
      'instance/name': vm.name,
      'instance/hostname': `${vm.name}.${vm.zone}.c.${projectId}.internal`,
      'instance/id': vm.id ?? '4520031799277581759',
      'instance/zone': `projects/${numericProjectId}/zones/${vm.zone}`,
      'instance/machine-type': `projects/${numericProjectId}/machineTypes/${vm.machineType}`,
      'instance/service-accounts': 'default/\n' + `${serviceAccount}/\n`,
      'universe/universe-domain': 'googleapis.com',
    };
    if (key === '' || key === 'instance' || key === 'project') return text(res, 200, Object.keys(values).filter((k) => k.startsWith(key)).join('\n'));
    const v = values[key];
    if (v === undefined) return text(res, 404, 'Not Found', 'text/html');
    return text(res, 200, v);
  });
  return { ...server, host: `127.0.0.1:${server.port}`, projectId, serviceAccount, vm, tokens, tokenRequests: () => tokenRequests };
}
