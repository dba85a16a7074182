/** One writer per run: the run lock, the recorded process groups reaped after a crash, the spec snapshot diff. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { CellProcessRegistry, listCellProcesses, reapCellProcesses } from '../../src/experiment/cell-processes.ts';
import { processAlive } from '../../src/experiment/kill-tree.ts';
import { acquireRunLock, RunLockedError, RUN_LOCK_FILE } from '../../src/experiment/run-lock.ts';
import { diffSnapshots } from '../../src/experiment/spec-snapshot.ts';

const exited = (child: ReturnType<typeof spawn>) => new Promise<void>((r) => child.once('exit', () => r()));

describe('run ownership', () => {
  test('a second writer of a run directory is refused with the owner named; a dead owner\'s lock is taken over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentab-lock-'));
    const first = await acquireRunLock(dir, { command: 'agentab run-matrix --resume x' });
    await assert.rejects(acquireRunLock(dir), (e: unknown) => {
      assert.ok(e instanceof RunLockedError);
      assert.match(e.message, new RegExp(`in use by pid ${process.pid} on ${os.hostname()} \\(since .*: agentab run-matrix --resume x\\)`));
      return true;
    });
    await first.release();
    // A lock left by a process that is gone (SIGKILL): the next writer takes it over.
    const child = spawn('true');
    await exited(child);
    writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify({ pid: child.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    const second = await acquireRunLock(dir);
    assert.equal(second.tookOver?.pid, child.pid);
    await second.release();
    // Another host's lock cannot be checked: refused.
    writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00Z' }));
    await assert.rejects(acquireRunLock(dir), /remove .*run\.lock/);
  });

  test('process groups a killed run left running are recorded, then reaped (and a dead one only forgotten)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentab-pgid-'));
    const registry = new CellProcessRegistry(dir);
    // an "agent" with a tool child in its own process group, as runProcess starts them
    const agent = spawn('/bin/sh', ['-c', 'sleep 120 & sleep 120'], { detached: true, stdio: 'ignore' });

    const done = spawn('true', { detached: true });
    await exited(done);
    registry.add(agent.pid!, 'cell-a');
    registry.add(done.pid!, 'cell-b');
    assert.equal(listCellProcesses(dir).length, 2);
    const r = reapCellProcesses(dir);
    assert.deepEqual(r.killed.map((p) => p.cell), ['cell-a']);
    for (let i = 0; i < 50 && processAlive(agent.pid!); i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(processAlive(agent.pid!), false);
    assert.equal(listCellProcesses(dir).length, 0, 'every record is forgotten');
  });

  test('an edited spec shows what changed', () => {
    const before = { reps: 2, runners: [{ name: 'cmd', command: 'echo a' }] };
    const after = { reps: 3, runners: [{ name: 'cmd', command: 'echo b' }] };
    assert.deepEqual(diffSnapshots(before, after), ['reps: 2 → 3', 'runners[0].command: "echo a" → "echo b"']);
    assert.deepEqual(diffSnapshots(before, before), []);
  });
});
