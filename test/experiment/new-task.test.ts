/**
 * `agentab new task <name>`: the scaffold is a task that loads, whose check fails on the
 * untouched workspace (it tests something) and passes after both real agent CLIs ran it on the
 * simulator; names are validated and nothing is overwritten.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { loadTaskFile } from '../../src/config/experiment-task.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { scaffoldTask } from '../../src/experiment/task-scaffold.ts';
import { silentLogger } from '../../src/util/log.ts';
import { PILOT } from './pilot-fixtures.ts';
import { FAST_SIM_PROXY, tempDir, writeExperiment } from './helpers.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cli = (args: string[]) => execa(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...env, CI: '1' }, extendEnv: false, reject: false });

describe('agentab new task', () => {
  test('the CLI writes a task that loads, with every field of the format, and prints how to run it', async () => {
    const dir = tempDir();
    const r = await cli(['new', 'task', 'greet', '--dir', dir]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`agentab run-matrix --tasks ${path.join(dir, 'greet.yaml')} --runners claude,opencode --conditions baseline --reps 1`));
    const t = loadTaskFile(path.join(dir, 'greet.yaml'));
    assert.equal(t.id, 'greet');
    assert.deepEqual(t.workspace, { kind: 'dir', path: path.join(dir, 'greet') });
    assert.deepEqual(t.setup, ['test -f greeting.txt']);
    assert.equal(t.timeoutMs, 180_000);
    assert.equal(t.maxTurns, 10);
    assert.deepEqual(t.sim?.map((a) => a.action), ['read', 'edit', 'say']);
    assert.ok(t.expected.inputTokens && t.expected.seconds);
    const again = await cli(['new', 'task', 'greet', '--dir', dir]);
    assert.notEqual(again.exitCode, 0);
    assert.match(again.stderr, /not overwriting .*greet\.yaml/);
    const bad = await cli(['new', 'task', '../evil', '--dir', dir]);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /task name "\.\.\/evil": must be 1-64 letters/);
    assert.ok(!existsSync(path.join(dir, '..', 'evil.yaml')));
  });

  test('its check fails on the untouched workspace: it tests something', async () => {
    const x = writeExperiment(`name: untouched\nrunners: [{ name: cmd, kind: command, command: "true" }]\nconditions: [{ name: baseline }]\ntasks: tasks/*.yaml\n${FAST_SIM_PROXY}`, {});
    await scaffoldTask('greet', path.join(x.dir, 'tasks'));
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger });
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0]!.outcome, 'fail', JSON.stringify(r.records[0]!.runnerReported));
  });

  test('claude and opencode pass it on the simulator as scaffolded', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const { file } = await scaffoldTask('greet', path.join(dir, 'tasks'));
    const spec = await loadExperiment(PILOT, { tasks: [file], runners: ['claude', 'opencode'], conditions: ['baseline'], reps: 1 });
    const r = await runMatrix({ spec, outRoot: path.join(dir, 'results'), env, log: silentLogger });
    assert.equal(r.records.length, 2);
    for (const rec of r.records) {
      assert.equal(rec.outcome, 'pass', `${rec.runner}: ${JSON.stringify(rec.runnerReported.error)}`);
      assert.ok(rec.calls >= 3, `${rec.runner}: read, edit and answer went through the proxy`);
    }
    assert.equal(readFileSync(path.join(dir, 'tasks', 'greet', 'greeting.txt'), 'utf8'), 'hello wrld\n', 'the fixture itself is untouched');
  });
});
