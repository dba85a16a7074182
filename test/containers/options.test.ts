/** The container launcher's pure parts: options, endpoints, paths, liveness (no engine needed). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readContainerEnv } from '../../src/config/container-env.ts';
import { proxyUrlForContainers } from '../../src/experiment/launchers/container/cell-container.ts';
import { candidateSockets, parseEndpoint } from '../../src/experiment/launchers/container/engine.ts';
import { ContainerError, engineMessage } from '../../src/experiment/launchers/container/errors.ts';
import { outermostDirs } from '../../src/experiment/launchers/container/host-dirs.ts';
import { ownerLiveness } from '../../src/experiment/launchers/liveness.ts';
import { CONTAINER_DEFAULTS, parseContainerOptions, parseMemory } from '../../src/experiment/launchers/container/options.ts';
import { containerBaseEnv, containerBin, relativeToHome } from '../../src/experiment/launchers/container/paths.ts';
import { createLauncher } from '../../src/experiment/launchers/registry.ts';

describe('container launcher options', () => {
  test('defaults: 1 CPU, 2 GiB, host network, the offline image', () => {
    const o = parseContainerOptions({});
    assert.equal(o.cpus, CONTAINER_DEFAULTS.cpus);
    assert.equal(o.memoryBytes, 2 * 1024 ** 3);
    assert.equal(o.network, 'host');
    assert.equal(o.image, undefined);
  });

  test('sizes use binary units like docker --memory', () => {
    assert.equal(parseMemory('512m'), 512 * 1024 ** 2);
    assert.equal(parseMemory('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseMemory('64k'), 65536);
    assert.equal(parseMemory(1000), 1000);
    assert.throws(() => parseMemory('lots'), /not a size: "lots"/);
  });

  test('spec fields are validated with messages naming the field', () => {
    const o = parseContainerOptions({ image: 'x:1', cpus: 0.5, memory: '256m', network: 'bridge', engine: 'unix:///s.sock', kill_grace_ms: 10 });
    assert.deepEqual(o, { image: 'x:1', cpus: 0.5, memoryBytes: 256 * 1024 ** 2, network: 'bridge', engine: 'unix:///s.sock', killGraceMs: 10 });
    assert.throws(() => parseContainerOptions({ cpus: -1 }), (e: unknown) => e instanceof ContainerError && e.code === 'container_options_invalid' && /launcher\.cpus/.test(e.message));
    assert.throws(() => parseContainerOptions({ imag: 'x' }), /launcher\.imag: unknown key \(valid keys: image, cpus, memory, network, engine, kill_grace_ms\)/);
    assert.throws(() => parseContainerOptions({ memory: '1k' }), /below the engines' minimum/);
  });

  test('the registry builds a container launcher from a spec block, and rejects bad options up front', async () => {
    assert.equal((await createLauncher({ kind: 'container', options: { cpus: 2 } })).kind, 'container');
    await assert.rejects(createLauncher({ kind: 'container', options: { memory: 'much' } }), /launcher\.memory/);
  });
});

describe('engine endpoints', () => {
  test('unix URLs, bare socket paths and tcp URLs', () => {
    assert.deepEqual(parseEndpoint('unix:///run/podman/podman.sock'), { socketPath: '/run/podman/podman.sock' });
    assert.deepEqual(parseEndpoint('/var/run/docker.sock'), { socketPath: '/var/run/docker.sock' });
    assert.deepEqual(parseEndpoint('tcp://127.0.0.1:2375'), { host: '127.0.0.1', port: 2375, protocol: 'http' });
    assert.throws(() => parseEndpoint('ssh://me@host'), /unsupported engine endpoint/);
  });

  test('Docker first, then Podman rootful (root) or rootless (users)', () => {
    const env = { ...readContainerEnv({ HOME: '/h' }), runtimeDir: '/run/user/1000' };
    assert.deepEqual(candidateSockets(env, true), ['/var/run/docker.sock', '/run/podman/podman.sock', '/run/user/1000/podman/podman.sock']);
    assert.deepEqual(candidateSockets(env, false), ['/var/run/docker.sock', '/run/user/1000/podman/podman.sock', '/run/podman/podman.sock']);
    assert.equal(readContainerEnv({ HOME: '/h' }).cacheDir, '/h/.cache/agentab');
    assert.equal(readContainerEnv({ HOME: '/h', AGENTAB_CACHE_DIR: '/c' }).cacheDir, '/c');
  });

  test('engine errors keep the engine\'s own words', () => {
    assert.equal(engineMessage({ json: { message: 'no such image: x: image not known' } }), 'no such image: x: image not known');
    assert.equal(engineMessage(new Error('connect ENOENT /s.sock')), 'connect ENOENT /s.sock');
  });
});

describe('paths inside the image', () => {
  test('runner binaries of npm packages map under /opt/agents; system paths stay', () => {
    assert.equal(containerBin('/work/x/node_modules/@anthropic-ai/claude-code/bin/claude.exe'), '/opt/agents/node_modules/@anthropic-ai/claude-code/bin/claude.exe');
    assert.equal(containerBin('/a/node_modules/b/node_modules/opencode-ai/bin/opencode.exe'), '/opt/agents/node_modules/opencode-ai/bin/opencode.exe');
    assert.equal(containerBin('/bin/sh'), '/bin/sh');
  });

  test('the base environment is the container\'s, not the host\'s', () => {
    const env = containerBaseEnv({ PATH: '/host/bin', LANG: 'de_DE.UTF-8', TZ: 'UTC', CI: '1', TMPDIR: '/host/tmp' });
    assert.equal(env.PATH?.split(':')[0], '/opt/agents/bin');
    assert.equal(env.LANG, 'C.UTF-8');
    assert.equal(env.TZ, 'UTC');
    assert.equal(env.TMPDIR, '/tmp');
    assert.equal(env.HOME, '/home/agent');
  });

  test('runner files must live under the home', () => {
    assert.equal(relativeToHome('/home/agent/.config/opencode/opencode.json'), '.config/opencode/opencode.json');
    assert.equal(relativeToHome('/etc/passwd'), undefined);
    assert.equal(relativeToHome('/home/agent'), undefined);
  });

  test('task and spec dirs are copied once when nested', () => {
    assert.deepEqual(outermostDirs(['/w/tasks/pilot', '/w', '/w/experiments']), ['/w']);
    assert.deepEqual(outermostDirs(['/w/tasks/pilot', '/w/experiments']), ['/w/experiments', '/w/tasks/pilot']);
  });

  test('the proxy URL: as is on the host network; via the host alias elsewhere, never a loopback address', () => {
    assert.equal(proxyUrlForContainers('http://127.0.0.1:4000', 'host', 'podman'), 'http://127.0.0.1:4000');
    assert.equal(proxyUrlForContainers('http://0.0.0.0:4000', 'bridge', 'podman'), 'http://host.containers.internal:4000');
    assert.equal(proxyUrlForContainers('http://10.0.0.5:4000', 'bridge', 'docker'), 'http://host.docker.internal:4000');
    assert.throws(() => proxyUrlForContainers('http://127.0.0.1:4000', 'bridge', 'docker'), /cannot reach/);
  });
});

describe('leftover liveness', () => {
  const o = { host: 'h1', isAlive: (pid: number) => pid === 42 };
  test('a run is alive while its owner process lives on this host', () => {
    assert.equal(ownerLiveness('42', 'h1', o), 'alive');
    assert.equal(ownerLiveness('43', 'h1', o), 'dead');
    assert.equal(ownerLiveness(undefined, undefined, o), 'dead');
    assert.equal(ownerLiveness('42', 'other-host', o), 'unknown');
  });
});
