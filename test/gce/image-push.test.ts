/**
 * `agentab image push`: tags and pushes a local image through the engine's Docker API
 * (dockerode against Podman) to a real registry — Debian's docker-registry, started here on
 * loopback — with an access token from google-auth-library (the fake metadata server's).
 * The registry then serves the pushed manifest under the printed digest. Skipped with the
 * reason without an engine or without docker-registry (apt-get install docker-registry).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Engine } from '../../src/experiment/launchers/container/engine.ts';
import { parsePushTarget } from '../../src/experiment/launchers/container/push.ts';
import { engineOrReason } from '../containers/helpers.ts';
import { tempDir } from '../experiment/helpers.ts';
import { startFakeMetadata, type FakeMetadata } from '../helpers/fake-gcp/index.ts';
import { freePort, registryMissing, startLocalRegistry, type LocalRegistry } from '../helpers/local-registry.ts';

const BIN = fileURLToPath(new URL('../../bin/agentab.js', import.meta.url));

describe('agentab image push to a local registry', async () => {
  const e = await engineOrReason();
  const skip = typeof e === 'string' ? `${e}; install one with containers/setup-podman.sh` : registryMissing;
  let registry: LocalRegistry | undefined;
  let host = '';
  let md: FakeMetadata;
  const image = 'localhost/agentab-push-test:t1';
  /** Every tag this test gives the image (the import's, the pushes'): removed afterwards. */
  const localTags = [image];

  before(async () => {
    if (skip) return;
    const engine = e as Engine;
    registry = await startLocalRegistry();
    host = registry.host;
    // a one-file image: the push mechanics, not the size, are under test
    const content = tempDir();
    writeFileSync(path.join(content, 'hello.txt'), 'hello from agentab\n');
    await execa('sh', ['-c', `tar -C ${content} -cf - hello.txt | ${engine.kind} import --change 'CMD ["/hello.txt"]' - ${image}`]);
    md = await startFakeMetadata();
  });
  after(async () => {
    await registry?.close();
    await md?.close();
    if (skip) return;
    const engine = e as Engine;
    for (const tag of localTags) await engine.docker.getImage(tag).remove().catch(() => undefined);
  });

  test('pushes with a Google access token and prints the reference pinned by digest', { skip }, async () => {
    localTags.push(`${host}/fake-project/agentab/runner:t1`);
    const r = await execa('node', [BIN, 'image', 'push', '--image', image, '--to', `${host}/fake-project/agentab/runner`, '--json'], {
      env: { ...process.env, GCE_METADATA_HOST: md.host },
      reject: false,
      timeout: 300_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { pushed: string; pinned: string; digest: string };
    assert.equal(out.pushed, `${host}/fake-project/agentab/runner:t1`, 'the local tag is kept');
    assert.match(out.pinned, new RegExp(`^${host}/fake-project/agentab/runner@sha256:[0-9a-f]{64}$`));
    assert.ok(md.tokenRequests() >= 1, 'the token came from the metadata server');
    const manifest = await fetch(`http://${host}/v2/fake-project/agentab/runner/manifests/t1`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(manifest.status, 200);
    assert.equal(manifest.headers.get('docker-content-digest'), out.digest, 'the registry serves the pushed manifest under that digest');
    const tags = (await (await fetch(`http://${host}/v2/fake-project/agentab/runner/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['t1']);
  });

  test('a registry that does not answer fails with the engine\'s reason', { skip }, async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    localTags.push(`${dead}/p/agentab/runner:x`);
    const r = await execa('node', [BIN, 'image', 'push', '--image', image, '--to', `${dead}/p/agentab/runner:x`, '--no-auth'], { reject: false, timeout: 300_000 });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, new RegExp(`pushing ${dead}/p/agentab/runner:x failed: .+`));
  });
});

describe('push targets', () => {
  test('Artifact Registry paths parse; bad ones say what is expected', () => {
    assert.deepEqual(parsePushTarget('us-central1-docker.pkg.dev/my-proj/agentab/runner', 'abc'), { registry: 'us-central1-docker.pkg.dev', repository: 'my-proj/agentab/runner', tag: 'abc' });
    assert.deepEqual(parsePushTarget('127.0.0.1:5000/p/r:v2', 'abc'), { registry: '127.0.0.1:5000', repository: 'p/r', tag: 'v2' });
    assert.throws(() => parsePushTarget('runner:v1', 'x'), /no registry host/);
    assert.throws(() => parsePushTarget('gcr/runner', 'x'), /is not a registry host/);
    assert.throws(() => parsePushTarget('us-docker.pkg.dev/My_Proj/R', 'x'), /is not a repository path/);
    assert.throws(() => parsePushTarget('us-docker.pkg.dev/p/r@sha256:00', 'x'), /give a tag, not a digest/);
  });
});
