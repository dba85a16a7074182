import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/config-error.ts';
import { SpecError } from '../../src/config/experiment-errors.ts';
import { applyOverrides, loadExperiment } from '../../src/config/experiment-loader.ts';
import { writeExperiment } from './helpers.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));

const TASK = 'prompt: do it\ncheck: "true"\n';

async function specError(yaml: string, tasks: Record<string, string> = { t1: TASK }): Promise<ConfigError> {
  const x = writeExperiment(yaml, tasks);
  try {
    await loadExperiment(x.spec);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('the spec loaded without error');
}

describe('experiment spec', () => {
  test('the pilot loads: two runners, two conditions, tasks with sim scripts and checks', async () => {
    const s = await loadExperiment(PILOT);
    assert.equal(s.name, 'pilot');
    assert.deepEqual(s.runners.map((r) => r.kind), ['claude', 'opencode']);
    assert.deepEqual(s.conditions.map((c) => c.name), ['baseline', 'c1']);
    assert.ok(s.tasks.length >= 1);
    for (const t of s.tasks) {
      assert.ok(t.check, `${t.id} has a check`);
      assert.ok(t.sim && t.sim.length > 0, `${t.id} has a sim script`);
    }
    assert.equal(s.launcher.kind, 'local');
    assert.equal(s.timeoutMs, 300_000);
  });

  test('an unknown runner names the file, the line and the valid runners', async () => {
    const e = await specError('name: x\nrunners:\n  - claude\n  - aider\nconditions: [{name: a}]\ntasks: tasks/*.yaml\n');
    assert.ok(e instanceof SpecError);
    assert.equal(e.reason, 'unknown_runner');
    assert.equal(e.line, 4);
    assert.match(e.message, /experiment\.yaml:4:\d+: runners\[1\]: unknown runner "aider"; valid runners: claude, codex, command, gemini, opencode/);
  });

  test('a runner key its kind does not use is refused at its line: max_turns without a turn limit, command on a CLI, bin on the command runner', async () => {
    const head = 'name: x\nconditions: [{name: a}]\ntasks: tasks/*.yaml\nrunners:\n';
    const codex = await specError(head + '  - {name: codex, max_turns: 3}\n');
    assert.equal(codex.line, 5);
    assert.match(codex.message, /runners\[0\]\.max_turns: max_turns does not apply to the codex runner \(it has no turn limit to pass it to\)/);
    const cmd = await specError(head + "  - {name: sh, kind: command, command: 'true', max_turns: 3}\n");
    assert.match(cmd.message, /max_turns does not apply to the command runner/);
    const claude = await specError(head + "  - {name: claude, command: 'echo hi'}\n");
    assert.match(claude.message, /runners\[0\]\.command: command applies to the command runner only; the claude runner runs its CLI \(set bin and args\)/);
    const bin = await specError(head + "  - {name: sh, kind: command, command: 'true', bin: /nonexistent/zsh}\n");
    assert.match(bin.message, /runners\[0\]\.bin: bin does not apply to the command runner: its command runs in \/bin\/sh/);
    // what each kind does take still loads
    const x = writeExperiment(head + "  - {name: claude, max_turns: 3, bin: ./claude}\n  - {name: sh, kind: command, command: 'true'}\n  - {name: codex}\n", { t1: TASK });
    const spec = await loadExperiment(x.spec);
    assert.deepEqual(spec.runners.map((r) => [r.name, r.maxTurns ?? null]), [['claude', 3], ['sh', null], ['codex', null]]);
  });

  test('a duplicate condition points at the second one', async () => {
    const e = await specError('name: x\nrunners: [claude]\nconditions:\n  - name: a\n  - name: b\n  - name: a\ntasks: tasks/*.yaml\n');
    assert.equal((e as SpecError).reason, 'duplicate_condition');
    assert.equal(e.line, 6);
    assert.match(e.message, /duplicate condition "a"/);
  });

  test('a task glob that matches nothing is a task_not_found error at its line', async () => {
    const e = await specError('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks:\n  - tasks/*.yaml\n  - missing/*.yaml\n');
    assert.equal((e as SpecError).reason, 'task_not_found');
    assert.equal(e.line, 6);
    assert.match(e.message, /no task file matches "missing\/\*\.yaml"/);
  });

  test('an unknown key is located and the valid keys are listed', async () => {
    const e = await specError('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks: tasks/*.yaml\nrepz: 3\n');
    assert.equal(e.line, 5);
    assert.match(e.message, /unknown key "repz".*valid keys: .*reps/);
    // inside a runner written as a map (the list also takes bare names), the runner's own keys
    const runner = await specError('name: x\nconditions: [{name: a}]\ntasks: tasks/*.yaml\nrunners:\n  - {name: claude, arg: [x]}\n');
    assert.equal(runner.line, 5);
    assert.match(runner.message, /runners\[0\]\.arg: unknown key "arg"; valid keys: name, kind, args, env, max_turns, command, bin$/);
  });

  test('a bad duration says what is accepted', async () => {
    const e = await specError('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: soon\n');
    assert.equal(e.line, 5);
    assert.match(e.message, /not a duration: "soon"/);
  });

  test('an invalid task file is located in the task file', async () => {
    const e = await specError('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks: tasks/*.yaml\n', { t1: 'prompt: p\nsim:\n  - action: fly\n' });
    assert.match(e.file ?? '', /tasks\/t1\.yaml$/);
    assert.equal(e.line, 4, 'line 1 is the id the helper writes');
  });

  test('a missing workspace fixture is reported on the task file', async () => {
    const e = await specError('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks: tasks/*.yaml\n', { t1: 'prompt: p\nworkspace: nowhere\n' });
    assert.equal((e as SpecError).reason, 'workspace_not_found');
    assert.match(e.message, /t1\.yaml:3:\d+: workspace: workspace directory not found/);
  });

  test('two task files with one id are refused', async () => {
    const x = writeExperiment('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks: [tasks/*.yaml, more/*.yaml]\n', { t1: TASK });
    mkdirSync(path.join(x.dir, 'more'));
    writeFileSync(path.join(x.dir, 'more', 'other.yaml'), `id: t1\n${TASK}`);
    await assert.rejects(loadExperiment(x.spec), (e: unknown) => e instanceof SpecError && e.reason === 'duplicate_task' && /task id "t1" is defined twice/.test(e.message));
  });

  test('a missing spec file is a clear config_not_found error', async () => {
    await assert.rejects(loadExperiment('/nonexistent/x.yaml'), (e: unknown) => e instanceof SpecError && e.code === 'config_not_found' && /no such file/.test(e.message));
  });

  test('CLI overrides select runners and conditions and replace scalar fields', async () => {
    const s = await loadExperiment(PILOT);
    const o = await applyOverrides(s, { runners: ['opencode'], conditions: ['c1'], reps: 3, concurrency: 4, seed: 9, budgetUsd: 1.5, timeoutMs: 1000, tasks: ['write-file'] });
    assert.deepEqual(o.runners.map((r) => r.name), ['opencode']);
    assert.deepEqual(o.conditions.map((c) => c.name), ['c1']);
    assert.deepEqual(o.tasks.map((t) => t.id), ['write-file']);
    assert.equal(o.reps, 3);
    assert.equal(o.concurrency, 4);
    assert.equal(o.seed, 9);
    assert.equal(o.budget.usd, 1.5);
    assert.equal(o.timeoutMs, 1000);
    assert.equal(o.tasks[0]!.timeoutMs, undefined, 'a CLI timeout wins over the task\'s own');
    assert.equal(s.reps, 6, 'the original spec is unchanged');
  });

  test('--tags keeps the tasks carrying any of the tags; none carrying them is an error listing the tags there are', async () => {
    const x = writeExperiment('name: x\nrunners: [claude]\nconditions: [{name: a}]\ntasks: tasks/*.yaml\n', {
      fix: `${TASK}tags: [bugfix, small]\n`,
      feat: `${TASK}tags: [feature]\n`,
      plain: TASK,
    });
    const s = await loadExperiment(x.spec);
    assert.deepEqual((await applyOverrides(s, { tags: ['small'] })).tasks.map((t) => t.id), ['fix']);
    assert.deepEqual((await applyOverrides(s, { tags: ['feature', 'bugfix'] })).tasks.map((t) => t.id).sort(), ['feat', 'fix']);
    assert.deepEqual((await applyOverrides(s, { tasks: ['feat', 'plain'], tags: ['feature'] })).tasks.map((t) => t.id), ['feat'], 'tags narrow --tasks');
    await assert.rejects(
      applyOverrides(s, { tags: ['docs'] }),
      (e: unknown) => e instanceof SpecError && e.reason === 'override_invalid' && /--tags: no task carries any of the tags docs; valid tags: bugfix, feature, small/.test(e.message),
    );
  });

  test('a built-in runner kind not in the spec can be selected; an unknown one cannot', async () => {
    const s = await loadExperiment(PILOT);
    const o = await applyOverrides(s, { runners: ['command'] });
    assert.equal(o.runners[0]!.kind, 'command');
    await assert.rejects(applyOverrides(s, { runners: ['aider'] }), (e: unknown) => e instanceof SpecError && e.reason === 'unknown_runner' && /--runners: unknown runner "aider"/.test(e.message));
    await assert.rejects(applyOverrides(s, { conditions: ['c2'] }), (e: unknown) => e instanceof SpecError && e.reason === 'unknown_condition' && /valid conditions: baseline, c1/.test(e.message));
    await assert.rejects(applyOverrides(s, { conditions: ['c1', 'c1'] }), (e: unknown) => e instanceof SpecError && e.reason === 'duplicate_condition');
    await assert.rejects(applyOverrides(s, { reps: 0 }), (e: unknown) => e instanceof SpecError && e.reason === 'override_invalid');
  });
});
