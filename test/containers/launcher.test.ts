/**
 * run-matrix on the container launcher with the `command` runner against a real proxy:
 * each cell in its own container of the offline image (Podman through its Docker API
 * socket, or Docker), as the non-root user, with limits recorded; exact attribution with
 * two containers at once; timeout, abort, broken images, a dying orchestrator, and
 * `agentab clean`. No container of these runs is left behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { cellUlimits } from '../../src/experiment/launchers/container/cell-container.ts';
import type { Engine } from '../../src/experiment/launchers/container/engine.ts';
import { cellLabels, listAgentabContainers } from '../../src/experiment/launchers/container/labels.ts';
import { cleanLeftovers } from '../../src/experiment/launchers/container/leftovers.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { cellDir, runPaths } from '../../src/experiment/run-dir.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import { silentLogger } from '../../src/util/log.ts';
import { tempDir } from '../experiment/helpers.ts';
import { assertDiffOfCell, DIFF_RUNNER_COMMAND, DIFF_TASK } from '../helpers/workspace-diff-cell.ts';
import { barrier, containerExperiment, engineOrReason, env, runnerImage, until } from './helpers.ts';

const EXIT_MID_RUN = fileURLToPath(new URL('./fixtures/exit-mid-run.ts', import.meta.url));
const runIds: string[] = [];
const newRunId = (what: string) => {
  const id = `cttest-${what}-${process.pid}-${runIds.length}`;
  runIds.push(id);
  return id;
};
const ownWorkRoots = async () => (await readdir(os.tmpdir())).filter((n) => runIds.some((id) => n === `agentab-ct-${id}`));

describe('the container launcher', async () => {
  const e = await engineOrReason();
  const skip = typeof e === 'string' ? `${e}; install one with containers/setup-podman.sh` : false;
  let engine: Engine;
  let image: string;
  const launcherYaml = (extra = '') => `  kind: container\n  image: ${image}\n  cpus: 0.5\n  memory: 256m\n  kill_grace_ms: 500\n${extra}`;

  before(async () => {
    if (typeof e === 'string') return;
    engine = e;
    image = await runnerImage(engine);
  });

  after(async () => {
    if (typeof e === 'string') return;
    const left = (await listAgentabContainers(engine.docker)).filter((c) => runIds.includes(c.Labels?.['agentab.run'] ?? '') || c.Labels?.['agentab.pid'] === String(process.pid));
    assert.deepEqual(left.map((c) => c.Names), [], 'no container of these tests is left');
    assert.deepEqual(await ownWorkRoots(), [], 'no staging dir is left');
  });

  test('cells run as the non-root user with limits, two containers at once, attribution exact', { skip }, async () => {
    const running: number[] = [];
    const runId = newRunId('matrix');
    const gate = await barrier(2, async () => {
      running.push((await listAgentabContainers(engine.docker, runId)).filter((c) => c.State === 'running').length);
    });
    try {
      const x = containerExperiment(
        launcherYaml(),
        `runners:
  - name: cmd
    kind: command
    command: node $DIR/cell.mjs $((CALLS + AGENTAB_REP))
    env: { BARRIER_URL: "${gate.url}" }
conditions:
  - name: a
    env: { CALLS: 1 }
  - name: b
    env: { CALLS: 3 }
    files: { extra.txt: "from the condition" }
    setup: test -f extra.txt && test -f from-setup.txt
tasks: tasks/*.yaml
reps: 2
concurrency: 2
timeout: 60s`,
        { t: 'prompt: p\nsetup: echo set > from-setup.txt\ncheck: test -f from-setup.txt && test "$(id -un)" = agent\n' },
      );
      const spec = await loadExperiment(x.spec);
      const r = await runMatrix({ spec, outRoot: x.out, env, log: silentLogger, runId });
      assert.equal(r.records.length, 4);
      assert.deepEqual(running, [2, 2], 'each pair of cells met at the barrier with both containers running');
      const spend = (await readSpendLog(runPaths(r.runDir).spend)).records;
      for (const rec of r.records) {
        const expected = (rec.condition === 'a' ? 1 : 3) + rec.rep;
        assert.equal(rec.outcome, 'pass', `cell ${rec.cell}: ${String(rec.runnerReported.error)}`);
        assert.equal(rec.launcher, 'container');
        assert.equal(rec.calls, expected);
        assert.equal(spend.filter((s) => s.cell === rec.cell).length, expected, 'the spend log agrees');
        assert.equal(rec.env.cpus, 0.5);
        assert.equal(rec.env.memory, 256 * 1024 ** 2);
        assert.equal(rec.env.image, image);
        assert.match(String(rec.env.imageId), /^sha256:[0-9a-f]{64}$/);
        assert.match(String(rec.env.engine), /^(podman|docker) \d/);
        const lines = readFileSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log'), 'utf8').trim().split('\n');
        assert.equal(lines.length, expected + 1);
        const where = (JSON.parse(lines.at(-1)!) as { where: Record<string, unknown> }).where;
        assert.deepEqual({ ...where, hostname: undefined }, { uid: 1000, user: 'agent', home: '/home/agent', cwd: '/home/agent/work', agents: true, hostname: undefined });
      }
      assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
    } finally {
      await gate.close();
    }
  });

  test('the image carries the host\'s Node and runner CLIs', { skip }, async () => {
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: node --version && claude --version && opencode --version && git --version\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 60s`);
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId: newRunId('versions') });
    const out = readFileSync(path.join(cellDir(r.runDir, r.records[0]!.cell), 'stdout.log'), 'utf8');
    assert.equal(r.records[0]!.outcome, 'pass', out);
    const version = (pkg: string) => (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
    assert.ok(out.includes(process.version), out);
    assert.ok(out.includes(`${version('@anthropic-ai/claude-code')} (Claude Code)`), out);
    assert.ok(out.includes(version('opencode-ai')), out);
    assert.match(out, /git version \d/);
  });

  test('the cell\'s explicit ulimits are in effect inside its running container (not the engine\'s defaults)', { skip }, async () => {
    const runId = newRunId('ulimits');
    // what the process inside sees: the shell's `ulimit` and the kernel's own account
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: 'echo "nofile $(ulimit -Sn) $(ulimit -Hn)"; grep -E \"^Max (open files|processes)\" /proc/self/limits'\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 60s`);
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId });
    const rec = r.records[0]!;
    const out = readFileSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log'), 'utf8');
    assert.equal(rec.outcome, 'pass', out);
    const want = Object.fromEntries(cellUlimits().map((u) => [u.Name, [u.Soft, u.Hard]]));
    assert.match(out, new RegExp(`^nofile ${want.nofile![0]} ${want.nofile![1]}$`, 'm'), out);
    assert.match(out, new RegExp(`^Max open files +${want.nofile![0]} +${want.nofile![1]} +files`, 'm'), out);
    assert.match(out, new RegExp(`^Max processes +${want.nproc![0]} +${want.nproc![1]} +processes`, 'm'), out);
    assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
  });

  test('a cell writes workspace.diff as a local one does: the agent\'s and the check\'s changes, not setup\'s, not node_modules', { skip }, async () => {
    const runId = newRunId('diff');
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: "${DIFF_RUNNER_COMMAND}"\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 60s`, { t: DIFF_TASK });
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId });
    const rec = r.records[0]!;
    assert.equal(rec.outcome, 'pass', JSON.stringify(rec.runnerReported));
    assertDiffOfCell(readFileSync(path.join(cellDir(r.runDir, rec.cell), 'workspace.diff'), 'utf8'));
    // taking the starting snapshot is timed as workspace work: the cell's time still tiles
    const setupEnd = Math.max(...(rec.phases ?? []).filter((p) => p.name === 'setup').map((p) => p.startMs + p.durationMs));
    assert.ok(rec.phases?.some((p) => p.name === 'workspace' && p.startMs >= setupEnd), JSON.stringify(rec.phases));
    assert.equal(rec.decomposition?.withinTolerance, true, JSON.stringify(rec.decomposition));
    assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
  });

  test('a cell past its timeout is recorded as timeout and its container removed', { skip }, async () => {
    const runId = newRunId('timeout');
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: echo started && sleep 60\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 2s`);
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId });
    const rec = r.records[0]!;
    assert.equal(rec.outcome, 'timeout');
    assert.equal(rec.runnerReported.failedPhase, 'runner');
    assert.equal(readFileSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log'), 'utf8'), 'started\n');
    assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
  });

  test('a background job the runner leaves behind does not hold the cell until its timeout', { skip }, async () => {
    const runId = newRunId('bgjob');
    // The job keeps the exec's stdout open after the runner's shell exits.
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: echo started && (sleep 300 &) && echo done\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 60s`);
    const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId });
    const rec = r.records[0]!;
    assert.equal(rec.outcome, 'pass', 'the cell ends with its runner, not at the timeout');
    assert.equal(readFileSync(path.join(cellDir(r.runDir, rec.cell), 'stdout.log'), 'utf8'), 'started\ndone\n');
    assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
  });

  test('aborting the run cancels the running cells and removes every container', { skip }, async () => {
    const runId = newRunId('abort');
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: sleep 60\nconditions: [{name: a}, {name: b}]\ntasks: tasks/*.yaml\nconcurrency: 2\ntimeout: 60s`);
    const abort = new AbortController();
    const run = runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId, signal: abort.signal });
    await until(async () => (await listAgentabContainers(engine.docker, runId)).filter((c) => c.State === 'running').length === 2, 60_000, 'two running containers');
    abort.abort();
    const r = await run;
    assert.deepEqual(r.records.map((x) => x.outcome), ['canceled', 'canceled']);
    assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
  });

  test('a missing or broken image is an infra outcome with the engine\'s message', { skip }, async () => {
    const broken = 'localhost/agentab-broken:test';
    // an image with no `sleep` (no shell at all): created fine, refuses to start
    const root = tempDir('agentab-broken-');
    writeFileSync(path.join(root, 'hello.txt'), 'hi\n');
    const tar = spawnSync('tar', ['-C', root, '-cf', '-', '.']).stdout;
    const s = await engine.docker.importImage(tar as unknown as string, { repo: broken });
    await new Promise((r) => (s.on('end', r), s.resume()));
    try {
      for (const [img, pattern] of [
        ['localhost/agentab-missing:nope', /^could not create the container from image localhost\/agentab-missing:nope: .*(no such image|not known|not found)/i],
        [broken, /^could not start the container from image localhost\/agentab-broken:test: .*(sleep|user agent|passwd)/i],
      ] as const) {
        const x = containerExperiment(`  kind: container\n  image: ${img}`, `runners:\n  - name: cmd\n    kind: command\n    command: "true"\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 30s`);
        const runId = newRunId('broken');
        const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env, log: silentLogger, runId });
        const rec = r.records[0]!;
        assert.equal(rec.outcome, 'infra');
        assert.equal(rec.runnerReported.failedPhase, 'workspace');
        assert.match(String(rec.runnerReported.error), pattern);
        assert.deepEqual(await listAgentabContainers(engine.docker, runId), []);
      }
    } finally {
      await engine.docker.getImage(broken).remove({ force: true });
    }
  });

  test('an orchestrator that exits with a cell running leaves no container behind', { skip }, async () => {
    const runId = newRunId('exit');
    const x = containerExperiment(launcherYaml(), `runners:\n  - name: cmd\n    kind: command\n    command: sleep 60\nconditions: [{name: a}]\ntasks: tasks/*.yaml\ntimeout: 60s`);
    const child = spawn(process.execPath, ['--import', 'tsx', EXIT_MID_RUN, x.spec, runId], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 130, out);
    assert.match(out, /container running; exiting/);
    assert.deepEqual(await listAgentabContainers(engine.docker, runId), [], 'the exit reaper removed the container');
    assert.ok(!existsSync(path.join(os.tmpdir(), `agentab-ct-${runId}`)), 'and the staging dir');
  });

  test('clean removes the containers and staging dirs of dead runs and keeps live ones', { skip }, async () => {
    const deadPid = spawnSync('true').pid!;
    const dead = newRunId('clean-dead');
    const live = newRunId('clean-live');
    const make = (runId: string, pid: number) =>
      engine.docker.createContainer({ Image: image, Cmd: ['sleep', 'infinity'], Labels: cellLabels({ runId, cellId: 'c1', experiment: 'ct', pid }) });
    const a = await make(dead, deadPid);
    const b = await make(live, process.pid);
    const tmp = tempDir('agentab-clean-');
    for (const [runId, pid] of [[dead, deadPid], [live, process.pid]] as const) {
      mkdirSync(path.join(tmp, `agentab-ct-${runId}`));
      writeFileSync(path.join(tmp, `agentab-ct-${runId}`, '.agentab-owner.json'), JSON.stringify({ runId, pid, host: os.hostname() }));
    }
    try {
      const dry = await cleanLeftovers({ docker: engine.docker, dryRun: true, tmpDir: tmp });
      assert.ok(dry.removed.some((c) => c.id === a.id));
      assert.equal((await listAgentabContainers(engine.docker, dead)).length, 1, 'a dry run removes nothing');
      const r = await cleanLeftovers({ docker: engine.docker, tmpDir: tmp });
      assert.ok(r.removed.some((c) => c.id === a.id && c.liveness === 'dead'));
      assert.ok(r.kept.some((c) => c.id === b.id && c.liveness === 'alive'));
      assert.deepEqual(await listAgentabContainers(engine.docker, dead), []);
      assert.equal((await listAgentabContainers(engine.docker, live)).length, 1);
      assert.deepEqual(r.workRootsRemoved, [path.join(tmp, `agentab-ct-${dead}`)]);
      assert.ok(existsSync(path.join(tmp, `agentab-ct-${live}`)));
    } finally {
      await b.remove({ force: true });
    }
  });
});
