/**
 * A value the CLI accepts works or is refused (through real `agentab` processes): flag
 * combinations that one flag would be dropped from are refused naming the one that counts;
 * `--dry-run` plans under the `--run-id` given and only the `--shard` given; what the proxy
 * config's loading warns about reaches `plan` and `run-matrix` as it reaches `agentab proxy`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { agentabCli as agentab, writeExperiment } from './helpers.ts';

const TWO_TASKS = { t1: 'prompt: p\ncheck: "true"\n', t2: 'prompt: p\ncheck: "true"\n' };

/** A spec whose proxy is a pasted LiteLLM config with keys agentab does not implement. */
function litellmExperiment(name: string) {
  const x = writeExperiment(
    `name: ${name}
runners: [{ name: sh, kind: command, command: 'true' }]
conditions: [{ name: a }, { name: b }]
tasks: tasks/*.yaml
reps: 2
proxy: { file: litellm.yaml }
`,
    TWO_TASKS,
  );
  writeFileSync(
    path.join(x.dir, 'litellm.yaml'),
    `model_list:
  - model_name: shared-model
    litellm_params:
      model: sim/sim-default
      temperature: 0.2
      sim: { seed: 1, ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0 }
litellm_settings:
  success_callback: ["langfuse"]
`,
  );
  return x;
}

describe('flags the CLI accepts work or are refused', () => {
  test('the proxy config\'s warnings reach plan and run-matrix, as they reach agentab proxy', async () => {
    const x = litellmExperiment('warned');
    const planned = await agentab(['plan', x.spec, '--out', x.out]);
    assert.equal(planned.exitCode, 0, planned.stderr);
    assert.match(planned.stderr, /warning: .*success_callback/, 'plan warns about the LiteLLM key it ignores');
    assert.match(planned.stderr, /warning: .*temperature/);
    const ran = await agentab(['run-matrix', x.spec, '--out', x.out, '--reps', '1', '--conditions', 'a', '--tasks', 't1', '--json']);
    assert.equal(ran.exitCode, 0, ran.stderr);
    assert.match(ran.stderr, /WARN .*success_callback/, 'run-matrix logs the same warning');
    // the experiment's directory pools its runs (the viewer takes it too); a planned run has no records and is skipped
    const pooled = await agentab(['report', path.join(x.out, 'warned'), '--format', 'json']);
    assert.equal(pooled.exitCode, 0, pooled.stderr);
    assert.equal((JSON.parse(pooled.stdout) as { records: { total: number } }).records.total, 1);
    const root = await agentab(['report', x.out]);
    assert.notEqual(root.exitCode, 0);
    assert.match(root.stderr, /is a results root holding 1 experiment\(s\); a report is of one: give one of .*warned/);
    const runDir = (JSON.parse(ran.stdout) as { runDir: string }).runDir;
    const metric = await agentab(['report', runDir, '--metric', 'latency']);
    assert.notEqual(metric.exitCode, 0);
    assert.match(metric.stderr, /unknown metric "latency" \(known: wall, model, .*cost/);
    const task = await agentab(['plan', x.spec, '--out', x.out, '--tasks', 't3']);
    assert.notEqual(task.exitCode, 0);
    assert.match(task.stderr, /--tasks: no task "t3": not a task id, and no task file matches it .*; valid task ids: t1, t2/);
    const view = await agentab(['view', path.join(x.dir, 'nowhere'), '--port', '0']);
    assert.notEqual(view.exitCode, 0);
    assert.match(view.stderr, /nowhere: no such directory/);
  });

  test('--dry-run plans under the --run-id given; with --shard it shows that shard\'s cells and writes no plan', async () => {
    const x = litellmExperiment('dryrun');
    const named = await agentab(['run-matrix', x.spec, '--out', x.out, '--dry-run', '--run-id', 'myplan', '--json']);
    assert.equal(named.exitCode, 0, named.stderr);
    const planDir = JSON.parse(named.stdout).runDir as string;
    assert.equal(path.basename(planDir), 'myplan');
    // an id that names an existing run is refused, by a plan and by a run: its manifest is left as it was
    const manifest = readFileSync(path.join(planDir, 'manifest.json'), 'utf8');
    for (const args of [['--dry-run'], ['--reps', '1']]) {
      const again = await agentab(['run-matrix', x.spec, '--out', x.out, '--run-id', 'myplan', ...args]);
      assert.notEqual(again.exitCode, 0);
      assert.match(again.stderr, /--run-id myplan: .*myplan already exists; continue that run with --resume .*myplan, or give a new id/);
    }
    assert.equal(readFileSync(path.join(planDir, 'manifest.json'), 'utf8'), manifest);
    const badId = await agentab(['run-matrix', x.spec, '--out', x.out, '--dry-run', '--run-id', '../escape']);
    assert.notEqual(badId.exitCode, 0);
    assert.match(badId.stderr, /run id "\.\.\/escape": expected 1-64 letters/);

    const whole = JSON.parse((await agentab(['plan', x.spec, '--out', x.out, '--json'])).stdout) as { plan: { cells: unknown[] } };
    const before = readdirSync(path.join(x.out, 'dryrun')).length;
    const shard = await agentab(['run-matrix', x.spec, '--out', x.out, '--dry-run', '--shard', '0/2', '--json']);
    assert.equal(shard.exitCode, 0, shard.stderr);
    const shown = JSON.parse(shard.stdout) as { runDir?: string; plan: { cells: unknown[] } };
    assert.equal(whole.plan.cells.length, 8);
    assert.ok(shown.plan.cells.length > 0 && shown.plan.cells.length < 8, `shard 0 of 2 plans part of the cells (${shown.plan.cells.length})`);
    assert.equal(shown.runDir, undefined, 'no plan written for a shard');
    assert.equal(readdirSync(path.join(x.out, 'dryrun')).length, before);
  });

  test('plan refuses the launcher options a run would refuse: an unknown local or container key, a bad value', async () => {
    for (const [launcher, detail] of [
      ['{kind: local, work_root: /tmp/x}', /experiment\.yaml: invalid local launcher options: launcher\.work_root: unknown key \(valid keys: kill_grace_ms\)/],
      ['{kind: local, kill_grace_ms: "5s"}', /launcher\.kill_grace_ms: .*number/i],
      ['{kind: container, cpus: 2, memroy: 4g}', /invalid container launcher options: launcher\.memroy: unknown key \(valid keys: image, cpus, memory, network, engine, kill_grace_ms\)/],
    ] as const) {
      const x = writeExperiment(`name: launcher\nrunners: [{ name: sh, kind: command, command: 'true' }]\nconditions: [{ name: a }]\ntasks: tasks/*.yaml\nlauncher: ${launcher}\n`, TWO_TASKS);
      const planned = await agentab(['plan', x.spec, '--out', x.out]);
      assert.notEqual(planned.exitCode, 0, `${launcher} is refused at plan`);
      assert.match(planned.stderr, detail);
      assert.ok(!existsSync(x.out), 'no plan written');
    }
    const ok = writeExperiment(`name: launcher\nrunners: [{ name: sh, kind: command, command: 'true' }]\nconditions: [{ name: a }]\ntasks: tasks/*.yaml\nlauncher: {kind: local, kill_grace_ms: 500}\n`, TWO_TASKS);
    const planned = await agentab(['plan', ok.spec, '--out', ok.out]);
    assert.equal(planned.exitCode, 0, planned.stderr);
  });

  test('--force without --resume, --run-id with --resume, and --concurrency or --keep-workspaces on GCE are refused', async () => {
    const x = litellmExperiment('refused');
    const force = await agentab(['run-matrix', x.spec, '--out', x.out, '--force']);
    assert.notEqual(force.exitCode, 0);
    assert.match(force.stderr, /--force needs --resume <runDir>/);
    const resumed = await agentab(['run-matrix', '--resume', path.join(x.out, 'refused', 'r1'), '--run-id', 'r2']);
    assert.notEqual(resumed.exitCode, 0);
    assert.match(resumed.stderr, /--run-id names a new run; --resume continues .*r1 under its own run id/);
    const gce = await agentab(['plan', x.spec, '--out', x.out, '--launcher', 'gce', '--concurrency', '8']);
    assert.notEqual(gce.exitCode, 0);
    assert.match(gce.stderr, /--concurrency: .*--gce-cells-per-vm/);
    const keep = await agentab(['run-matrix', x.spec, '--out', x.out, '--launcher', 'gce', '--keep-workspaces', '--dry-run']);
    assert.notEqual(keep.exitCode, 0);
    assert.match(keep.stderr, /--keep-workspaces: a GCE run's workspaces live on its VMs/);
    assert.ok(!existsSync(path.join(x.out, 'refused')), 'nothing planned or run');
  });

  test('clean refuses flags of the other clean; report refuses --json with --format or --out', async () => {
    const project = await agentab(['clean', '--gce-project', 'my-project', '--dry-run']);
    assert.notEqual(project.exitCode, 0);
    assert.match(project.stderr, /--gce-project applies to --gce \(Batch jobs\); add --gce, or leave it out to clean this host/);
    const engine = await agentab(['clean', '--gce', '--engine', 'unix:///nonexistent.sock', '--dry-run']);
    assert.notEqual(engine.exitCode, 0);
    assert.match(engine.stderr, /--engine applies to this host's clean, and --gce cleans Batch jobs only/);
    const results = await agentab(['clean', '--gce', '--results', 'elsewhere', '--dry-run']);
    assert.match(results.stderr, /--results applies to this host's clean/);
    for (const extra of [['--format', 'csv,html'], ['--out', 'somewhere']]) {
      const report = await agentab(['report', 'results/none', '--json', ...extra]);
      assert.notEqual(report.exitCode, 0);
      assert.match(report.stderr, new RegExp(`--json prints the JSON report to stdout; with ${extra[0]} give --format json`));
    }
  });
});
