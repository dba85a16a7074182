/**
 * The runner image, built offline (debootstrap + the host's Node + the installed runner
 * packages): tagged by content, rebuilt only on change, a non-root user. Needs a container
 * engine (containers/setup-podman.sh); skipped with the reason when there is none.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { readContainerEnv } from '../../src/config/container-env.ts';
import type { Engine } from '../../src/experiment/launchers/container/engine.ts';
import { buildOfflineImage, inspectImage, offlineImageRef, PROJECT_ROOT } from '../../src/experiment/launchers/container/image.ts';
import { engineOrReason, runnerImage } from './helpers.ts';

const version = (pkg: string) => (JSON.parse(readFileSync(`${PROJECT_ROOT}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;

describe('the offline runner image', async () => {
  const e = await engineOrReason();
  const skip = typeof e === 'string' ? `${e}; install one with containers/setup-podman.sh` : false;
  let engine: Engine;
  let ref: string;
  before(async () => {
    if (typeof e === 'string') return;
    engine = e;
    ref = await runnerImage(engine);
  });

  test('is tagged by its content: runner versions, Node, a hash of the build script', { skip }, async () => {
    const tag = `cc${version('@anthropic-ai/claude-code')}-oc${version('opencode-ai')}-node${process.versions.node}-`;
    assert.match(ref, new RegExp(`^localhost/agentab-runners:${tag.replaceAll('.', '\\.')}[0-9a-f]{12}$`));
    assert.equal(await offlineImageRef({ env: readContainerEnv() }), ref, 'the tag is computed without building');
  });

  test('runs as the non-root agent user and is not rebuilt when nothing changed', { skip }, async () => {
    const first = await inspectImage(engine.docker, ref);
    assert.ok(first, 'the engine has the image');
    assert.equal(first.user, 'agent');
    assert.match(first.id, /^(sha256:)?[0-9a-f]{64}$/);
    const lines: string[] = [];
    const again = await buildOfflineImage({ env: readContainerEnv(), engineCli: engine.kind, onProgress: (l) => lines.push(l) });
    assert.equal(again, ref);
    assert.ok(lines.some((l) => /is up to date/.test(l)), `no rebuild: ${lines.join(' | ')}`);
    assert.equal((await inspectImage(engine.docker, ref))?.id, first.id);
  });

  test('an image the engine does not have inspects as undefined, not an error', { skip }, async () => {
    assert.equal(await inspectImage(engine.docker, 'localhost/agentab-missing:nope'), undefined);
  });
});
