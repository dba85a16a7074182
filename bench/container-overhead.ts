/**
 * Per-cell container overhead of the container launcher against the engine's own floor,
 * measured in one run, interleaved, on the offline runner image:
 *
 *   bare      `podman run --rm --network host <image> true` (the engine's CLI; docker on Docker)
 *   lifecycle what the launcher does per cell through dockerode, with `true` as the work:
 *             create (labels, limits) + start + copy in + exec + remove
 *   cell      a whole `command: true` cell through run-matrix (records' wallMs, which also
 *             counts the workspace, the setup/check execs and copying logs out)
 *
 * Prints a Markdown table with medians and the ratio to `bare`, and writes it with the raw
 * figures to bench/results/container-latest.{md,json}.
 *
 *   npx tsx bench/container-overhead.ts            # 15 rounds
 *   npx tsx bench/container-overhead.ts --n 5
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { readContainerEnv } from '../src/config/container-env.ts';
import { loadExperiment } from '../src/config/experiment-loader.ts';
import { tarDirectory } from '../src/experiment/launchers/archive.ts';
import { createOptions } from '../src/experiment/launchers/container/cell-container.ts';
import { discoverEngine, type Engine } from '../src/experiment/launchers/container/engine.ts';
import { buildOfflineImage } from '../src/experiment/launchers/container/image.ts';
import { cellLabels, removeContainers } from '../src/experiment/launchers/container/labels.ts';
import { AGENT_GID, AGENT_UID, AGENT_USER, CONTAINER_HOME } from '../src/experiment/launchers/container/paths.ts';
import { runMatrix } from '../src/experiment/orchestrator.ts';
import { silentLogger } from '../src/util/log.ts';
import { median } from './lib/latency.ts';

async function bare(engine: Engine, image: string): Promise<number> {
  const t = performance.now();
  await execa(engine.kind, ['run', '--rm', '--network', 'host', image, 'true'], { stdin: 'ignore' });
  return performance.now() - t;
}

interface Lifecycle {
  create: number;
  start: number;
  copy: number;
  exec: number;
  remove: number;
  total: number;
}

async function lifecycle(engine: Engine, image: string, home: string, i: number): Promise<Lifecycle> {
  const { docker } = engine;
  const t0 = performance.now();
  const c = await docker.createContainer(
    createOptions({ image, name: `agentab-bench-${process.pid}-${i}`, labels: cellLabels({ runId: `bench-${process.pid}`, cellId: `c${i}`, experiment: 'bench' }), cpus: 1, memoryBytes: 2 * 1024 ** 3, network: 'host', engineKind: engine.kind }),
  );
  const t1 = performance.now();
  await c.start();
  const t2 = performance.now();
  await c.putArchive(await tarDirectory(home, { uid: AGENT_UID, gid: AGENT_GID, members: ['work'] }), { path: CONTAINER_HOME });
  const t3 = performance.now();
  const e = await c.exec({ Cmd: ['true'], User: AGENT_USER, AttachStdout: true, AttachStderr: true });
  const s = (await e.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream & { destroy(): void };
  await new Promise((r) => (s.once('end', r), s.once('close', r), s.resume()));
  s.destroy();
  const t4 = performance.now();
  await removeContainers(docker, [c.id]);
  const t5 = performance.now();
  return { create: t1 - t0, start: t2 - t1, copy: t3 - t2, exec: t4 - t3, remove: t5 - t4, total: t5 - t0 };
}

async function cells(image: string, n: number, dir: string): Promise<number[]> {
  mkdirSync(path.join(dir, 'tasks'), { recursive: true });
  writeFileSync(path.join(dir, 'tasks', 't.yaml'), 'id: t\nprompt: p\ncheck: "true"\n');
  writeFileSync(
    path.join(dir, 'bench.yaml'),
    `name: container-bench\nrunners: [{name: cmd, kind: command, command: "true"}]\nconditions: [{name: a}]\ntasks: tasks/*.yaml\nreps: ${n}\nconcurrency: 1\ntimeout: 60s\nlauncher: {kind: container, image: ${image}}\n`,
  );
  const r = await runMatrix({ spec: await loadExperiment(path.join(dir, 'bench.yaml')), outRoot: path.join(dir, 'results'), env: { PATH: process.env.PATH ?? '' }, log: silentLogger });
  const bad = r.records.filter((x) => x.outcome !== 'pass');
  if (bad.length) throw new Error(`${bad.length} bench cells did not pass: ${String(bad[0]!.runnerReported.error)}`);
  return r.records.map((x) => x.wallMs);
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--n');
  const n = i >= 0 ? Number(argv[i + 1]) : 15;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n: expected a positive integer, got "${argv[i + 1]}"`);
  const env = readContainerEnv();
  const engine = await discoverEngine({ env });
  const image = await buildOfflineImage({ env, engineCli: engine.kind });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentab-bench-ct-'));
  try {
    mkdirSync(path.join(dir, 'home', 'work'), { recursive: true });
    writeFileSync(path.join(dir, 'home', 'work', 'README.md'), 'a workspace file\n');
    // warm-up: the first container of a run pays for image layers entering the page cache
    await bare(engine, image);
    await lifecycle(engine, image, path.join(dir, 'home'), -1);
    const bares: number[] = [];
    const lifes: Lifecycle[] = [];
    for (let k = 0; k < n; k++) {
      // interleaved, so drift in the machine's load hits both alike
      bares.push(await bare(engine, image));
      lifes.push(await lifecycle(engine, image, path.join(dir, 'home'), k));
    }
    const cellMs = await cells(image, n, dir);
    const mb = median(bares);
    const stage = (k: keyof Lifecycle) => median(lifes.map((l) => l[k]));
    const rows: [string, number][] = [
      [`bare \`${engine.kind} run --rm <image> true\``, mb],
      ['lifecycle: create + start + copy + exec + remove', stage('total')],
      ['  create', stage('create')],
      ['  start', stage('start')],
      ['  copy in', stage('copy')],
      ['  exec `true`', stage('exec')],
      ['  remove', stage('remove')],
      ['whole `command: true` cell (record wallMs)', median(cellMs)],
    ];
    const md = [
      `# Container overhead (${engine.version}, ${n} rounds, ${os.cpus().length} cores)`,
      '',
      `image: \`${image}\``,
      '',
      '| what | median ms | × bare |',
      '|---|---:|---:|',
      ...rows.map(([what, ms]) => `| ${what} | ${ms.toFixed(0)} | ${what.startsWith('  ') ? '' : (ms / mb).toFixed(2)} |`),
      '',
    ].join('\n');
    process.stdout.write(md);
    const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'container-latest.md'), md);
    writeFileSync(path.join(out, 'container-latest.json'), JSON.stringify({ engine: engine.version, image, n, bareMs: bares, lifecycleMs: lifes, cellMs, ratio: { lifecycle: stage('total') / mb, cell: median(cellMs) / mb } }, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
