import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { liveGroupCount, runProcess } from '../../src/experiment/run-process.ts';
import { alive, tempDir } from './helpers.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** A shell that starts a child, a grandchild in its own session, and records their pids. */
const TREE = (pids: string) => `sleep 300 & echo $! >> ${pids}; setsid sleep 300 & echo $! >> ${pids}; (sleep 300 & echo $! >> ${pids}; wait) & echo $$ >> ${pids}; wait`;

async function until(f: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (f()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const pidsOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map(Number);

describe('runProcess', () => {
  test('a timeout kills the whole process tree, including a setsid grandchild', async () => {
    const dir = tempDir();
    const pids = path.join(dir, 'pids');
    const log = path.join(dir, 'out.log');
    const p = runProcess({ argv: ['/bin/sh', '-c', TREE(pids)], cwd: dir, env, stdoutFile: log, stderrFile: log, timeoutMs: 400, killGraceMs: 200 });
    const r = await p;
    assert.equal(r.timedOut, true);
    assert.equal(r.canceled, false);
    assert.equal(r.exitCode, null);
    const all = pidsOf(pids);
    assert.equal(all.length, 4);
    await until(() => all.every((pid) => !alive(pid)), 'every process of the tree to die');
    assert.equal(liveGroupCount(), 0);
  });

  test('aborting the signal cancels the run and kills the tree', async () => {
    const dir = tempDir();
    const pids = path.join(dir, 'pids');
    const log = path.join(dir, 'out.log');
    const ac = new AbortController();
    const p = runProcess({ argv: ['/bin/sh', '-c', TREE(pids)], cwd: dir, env, stdoutFile: log, stderrFile: log, timeoutMs: 60_000, signal: ac.signal, killGraceMs: 200 });
    await until(() => {
      try {
        return pidsOf(pids).length === 4;
      } catch {
        return false;
      }
    }, 'the tree to start');
    ac.abort();
    const r = await p;
    assert.equal(r.canceled, true);
    assert.equal(r.timedOut, false);
    const all = pidsOf(pids);
    await until(() => all.every((pid) => !alive(pid)), 'every process of the tree to die');
  });

  test('a background job left behind by a process that exits is killed with its group', async () => {
    const dir = tempDir();
    const pids = path.join(dir, 'pids');
    const log = path.join(dir, 'out.log');
    const r = await runProcess({ argv: ['/bin/sh', '-c', `sleep 300 & echo $! > ${pids}; echo done`], cwd: dir, env, stdoutFile: log, stderrFile: log, timeoutMs: 60_000 });
    assert.equal(r.exitCode, 0);
    // The run ends with the process, not when the job holding its output goes (that was the timeout).
    assert.equal(r.timedOut, false, 'not reported as a timeout');
    assert.equal(readFileSync(log, 'utf8').trim(), 'done');
    const [bg] = pidsOf(pids);
    await until(() => !alive(bg!), 'the background job to die');
  });

  test('exit codes, env isolation and spawn errors are reported', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'out.log');
    const r = await runProcess({ argv: ['/bin/sh', '-c', 'echo "[$HOME]"; exit 7'], cwd: dir, env, stdoutFile: log, stderrFile: log, timeoutMs: 10_000 });
    assert.equal(r.exitCode, 7);
    assert.equal(readFileSync(log, 'utf8').trim(), '[]', 'only the given environment reaches the process');
    const bad = await runProcess({ argv: ['/nonexistent/bin'], cwd: dir, env, stdoutFile: log, stderrFile: log, timeoutMs: 10_000 });
    assert.ok(bad.spawnError, 'a missing binary is a spawn error');
  });
});
