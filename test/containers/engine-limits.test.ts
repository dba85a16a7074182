/**
 * A cell never depends on the engine's host-wide defaults: explicit ulimits within the host's
 * hard limits; and agentab never starts a second Podman service on a socket one already serves
 * (it waits for that one). No engine needed: a fake /proc and a fake service on a unix socket.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cellUlimits, createOptions, hardLimits } from '../../src/experiment/launchers/container/cell-container.ts';
import { podmanServicesOn, startPodmanService } from '../../src/experiment/launchers/container/podman-service.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             96365                96365                processes
Max open files            20000                20000                files
`;

describe('cell container ulimits', () => {
  test('explicit, and within the host hard limits (half of them when those are low)', () => {
    assert.deepEqual(hardLimits(LIMITS), { nofile: 20000, nproc: 96365 });
    assert.deepEqual(cellUlimits(LIMITS), [{ Name: 'nofile', Soft: 8192, Hard: 8192 }, { Name: 'nproc', Soft: 4096, Hard: 4096 }]);
    const low = LIMITS.replace('20000                20000', '4096                 4096').replace('96365                96365', '1000                 1000');
    assert.deepEqual(cellUlimits(low), [{ Name: 'nofile', Soft: 2048, Hard: 2048 }, { Name: 'nproc', Soft: 500, Hard: 500 }]);
    const unlimited = LIMITS.replace(/96365 +96365/, 'unlimited            unlimited');
    assert.equal(cellUlimits(unlimited)[1]!.Hard, 4096);
    // this host: whatever it is, never above its hard limits
    const mine = hardLimits(readFileSync('/proc/self/limits', 'utf8'));
    for (const u of cellUlimits()) assert.ok(u.Hard! <= (u.Name === 'nofile' ? mine.nofile! : mine.nproc!), `${u.Name} ${u.Hard}`);
  });

  test('the create request carries them', () => {
    const o = createOptions({ image: 'i', name: 'n', labels: {}, cpus: 1, memoryBytes: 1 << 30, network: 'host', engineKind: 'podman', ulimits: cellUlimits(LIMITS) });
    assert.deepEqual(o.HostConfig?.Ulimits, cellUlimits(LIMITS));
  });
});

describe('one Podman service per socket', () => {
  function fakeProc(entries: Record<string, string[]>): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentab-proc-'));
    for (const [pid, argv] of Object.entries(entries)) {
      mkdirSync(path.join(dir, pid));
      writeFileSync(path.join(dir, pid, 'cmdline'), argv.join('\0') + '\0');
    }
    mkdirSync(path.join(dir, 'self'));
    return dir;
  }

  test('finds services by their socket, the default socket included', () => {
    const proc = fakeProc({
      '10': ['/usr/bin/podman', 'system', 'service', '--time=0', 'unix:///run/podman/podman.sock'],
      '11': ['podman', 'system', 'service', '--time=0'],
      '12': ['/usr/bin/podman', 'system', 'service', 'unix:///tmp/other.sock'],
      '13': ['/usr/bin/podman', 'ps'],
      '14': ['node', 'podman', 'system', 'service'],
    });
    assert.deepEqual(podmanServicesOn('/run/podman/podman.sock', proc).sort(), [10, 11]);
    assert.deepEqual(podmanServicesOn('/tmp/other.sock', proc), [12]);
  });

  test('a service already on the socket (not answering yet) is waited for, never doubled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentab-podman-'));
    const socket = path.join(dir, 'podman.sock');
    const proc = fakeProc({ '77': ['/usr/bin/podman', 'system', 'service', '--time=0', `unix://${socket}`] });
    // a fake `podman` that would record being started
    const fakePodman = path.join(dir, 'podman');
    const started = path.join(dir, 'started');
    writeFileSync(fakePodman, `#!/bin/sh\necho "$@" >> ${started}\n`, { mode: 0o755 });
    // the "existing service" starts answering after a while
    const server = http.createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : '{}'));
    const late = setTimeout(() => server.listen(socket), 600);
    try {
      await startPodmanService(fakePodman, socket, { procDir: proc });
      assert.ok(!existsSync(started), 'no second service was started');
    } finally {
      clearTimeout(late);
      server.close();
    }
  });

  test('with no service there, one is started', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentab-podman-'));
    const socket = path.join(dir, 'podman.sock');
    const fakePodman = path.join(dir, 'podman');
    const started = path.join(dir, 'started');
    // starts a node "service" answering /_ping on the socket, as podman system service would
    const serve = `require('http').createServer((q,s)=>s.end(q.url==='/_ping'?'OK':'{}')).listen(process.argv[1].replace('unix://',''));setTimeout(()=>process.exit(0),15000)`;
    writeFileSync(fakePodman, `#!/bin/sh\necho "$@" >> ${started}\npwd > ${started}.cwd\nexec ${process.execPath} -e "${serve}" "$4"\n`, { mode: 0o755 });
    await startPodmanService(fakePodman, socket, { procDir: mkdtempSync(path.join(os.tmpdir(), 'agentab-proc-')) });
    assert.equal(readFileSync(started, 'utf8').trim(), `system service --time=0 unix://${socket}`);
    // the long-lived service must not sit in the caller's directory: once that is deleted, every
    // container the real service starts fails ("write child: broken pipe", seen on this machine)
    assert.equal(readFileSync(`${started}.cwd`, 'utf8').trim(), '/');
  });
});
