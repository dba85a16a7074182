import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CachedTokenProvider,
  adcTokenSource,
  defaultTokenProvider,
  firstOf,
  gcloudTokenSource,
  type AccessToken,
  type GoogleAuthLike,
} from '../../src/proxy/backends/vertex/auth.ts';
import { ProxyError } from '../../src/canonical/errors.ts';
import { deployment } from './helpers/call-options.ts';

const MIN = 60_000;

describe('CachedTokenProvider', () => {
  test('WIRE: caches the token and refreshes it 5 minutes before it expires', async () => {
    let clock = 0;
    let n = 0;
    const p = new CachedTokenProvider(async () => ({ token: `t${++n}`, expiresAt: clock + 60 * MIN }), { now: () => clock });
    assert.equal(await p.getToken(), 't1');
    clock = 54 * MIN;
    assert.equal(await p.getToken(), 't1', 'still fresh 6 minutes before expiry');
    clock = 55 * MIN + 1;
    assert.equal(await p.getToken(), 't2', 'refreshed inside the last 5 minutes');
    p.invalidate();
    assert.equal(await p.getToken(), 't3');
  });

  test('concurrent callers share one refresh; a failed refresh is not cached', async () => {
    let calls = 0;
    let fail = true;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = new CachedTokenProvider(async (): Promise<AccessToken> => {
      calls++;
      await gate;
      if (fail) throw new Error('metadata server down');
      return { token: 'ok', expiresAt: Date.now() + 60 * MIN };
    });
    const a = p.getToken();
    const b = p.getToken();
    release();
    await assert.rejects(a);
    await assert.rejects(b);
    assert.equal(calls, 1);
    fail = false;
    assert.equal(await p.getToken(), 'ok');
    assert.equal(calls, 2);
  });
});

describe('token sources', () => {
  test('ADC: token and expiry from the google-auth-library client', async () => {
    const auth: GoogleAuthLike = {
      async getClient() {
        return { getAccessToken: async () => ({ token: 'ya29.adc' }), credentials: { expiry_date: 123_456 } };
      },
    };
    assert.deepEqual(await adcTokenSource({ auth })(), { token: 'ya29.adc', expiresAt: 123_456 });
    const noExpiry: GoogleAuthLike = { getClient: async () => ({ getAccessToken: async () => ({ token: 't' }) }) };
    assert.deepEqual(await adcTokenSource({ auth: noExpiry, now: () => 1000 })(), { token: 't', expiresAt: 1000 + 55 * MIN });
    const empty: GoogleAuthLike = { getClient: async () => ({ getAccessToken: async () => ({ token: null }) }) };
    await assert.rejects(adcTokenSource({ auth: empty })(), /no access token/);
  });

  test('ADC through the real google-auth-library: a missing key file fails without any network call', async () => {
    await assert.rejects(adcTokenSource({ credentials: '/nonexistent/agentab-key.json' })());
  });

  describe('gcloud', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'agentab-gcloud-'));
      await writeFile(join(dir, 'gcloud'), '#!/bin/sh\n[ "$1 $2" = "auth print-access-token" ] || exit 3\necho "  ya29.from-gcloud  "\n');
      await writeFile(join(dir, 'gcloud-broken'), '#!/bin/sh\necho "ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected." >&2\nexit 1\n');
      await chmod(join(dir, 'gcloud'), 0o755);
      await chmod(join(dir, 'gcloud-broken'), 0o755);
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test('`gcloud auth print-access-token` output is trimmed and cached for a few minutes', async () => {
      const t = await gcloudTokenSource({ command: join(dir, 'gcloud'), now: () => 0 })();
      assert.equal(t.token, 'ya29.from-gcloud');
      assert.ok(t.expiresAt > 5 * MIN, 'outlives the 5-minute refresh margin');
    });

    test('ADC failing falls back to gcloud; both failing is an authentication error naming the sources, not secrets', async () => {
      const broken: GoogleAuthLike = {
        getClient: async () => {
          throw new Error('Could not load the default credentials.');
        },
      };
      const chain = firstOf([
        { name: 'application default credentials', source: adcTokenSource({ auth: broken }) },
        { name: 'gcloud', source: gcloudTokenSource({ command: join(dir, 'gcloud') }) },
      ]);
      assert.equal((await chain()).token, 'ya29.from-gcloud');
      const none = firstOf([
        { name: 'application default credentials', source: adcTokenSource({ auth: broken }) },
        { name: 'gcloud', source: gcloudTokenSource({ command: join(dir, 'gcloud-broken') }) },
      ]);
      await assert.rejects(none(), (e: unknown) => {
        assert.ok(e instanceof ProxyError);
        assert.equal(e.kind, 'authentication');
        assert.equal(e.code, 'vertex_no_credentials');
        assert.match(e.message, /application default credentials: Could not load/);
        assert.match(e.message, /gcloud: /);
        return true;
      });
    });
  });

  test('deployment.apiKey is a static bearer', async () => {
    const p = defaultTokenProvider(deployment({ provider: 'vertex_ai', model: 'gemini-2.5-flash', apiKey: 'static' }));
    assert.equal(await p.getToken(), 'static');
  });
});
