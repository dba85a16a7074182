/**
 * The container launcher: each cell in a fresh container of the runner image, driven
 * through the Docker Engine API (dockerode; Docker or Podman's compatible service). The
 * task workspace is built on the host and copied in, setup, runner and check run inside as
 * the non-root `agent` user, limits (CPUs, memory) are applied and read back into the
 * record, logs are copied out, and the container is removed afterwards whatever happened:
 * normal end, timeout, abort, a crash of the orchestrator (dispose, exit reaper, `agentab
 * clean`; every container is labelled with its run).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { readContainerEnv, type ContainerEnv } from '../../../config/container-env.ts';
import type { Cell } from '../../cell.ts';
import { cellDir } from '../../run-dir.ts';
import { runnerAdapter } from '../../runners/adapters.ts';
import type { Invocation } from '../../runners/types.ts';
import { resolveSimScript } from '../../sim-script.ts';
import { overlayFiles } from '../../workspace.ts';
import { workspaceDiff, type WorkspaceSnapshot } from '../../workspace-diff.ts';
import { afterRunner, buildWorkspace, cellEnvVars, freshCellDir, runSetup, startCell, type CellShell } from '../cell-common.ts';
import type { CellLauncher, CellResult, LaunchContext } from '../types.ts';
import { extractArchive, tarDirectory } from '../archive.ts';
import { cellUlimits, createOptions, proxyUrlForContainers } from './cell-container.ts';
import { discoverEngine, type Engine } from './engine.ts';
import { engineMessage, engineStatus } from './errors.ts';
import { execInContainer } from './exec.ts';
import { HostDirsCache } from './host-dirs.ts';
import { armExitReaper } from './exit-reaper.ts';
import { buildOfflineImage, inspectImage, type ImageInfo } from './image.ts';
import { cellLabels, LABELS, removeContainers, removeRunContainers } from './labels.ts';
import type { ContainerOptions } from './options.ts';
import { writeOwner } from './work-root.ts';
import { snapshotContainerWorkspace } from './workspace-snapshot.ts';
import { AGENT_GID, AGENT_UID, AGENT_USER, CONTAINER_HOME, CONTAINER_WORKSPACE, containerBaseEnv, containerBin, relativeToHome } from './paths.ts';

export interface ContainerLauncherDeps {
  /** Injected engine (tests, benchmarks); default: discovered in prepare(). */
  engine?: Engine;
  env?: ContainerEnv;
  /** Where cells' staging dirs go (default: a new directory under the OS temp dir). */
  workRoot?: string;
}

export class ContainerLauncher implements CellLauncher {
  readonly kind = 'container';
  private ctx?: LaunchContext;
  private engine?: Engine;
  private image?: ImageInfo;
  private imageRef = '';
  private proxyUrl = '';
  private workRoot?: string;
  private disarmReaper?: () => void;
  /** Containers of cells still running, by cell id. */
  private readonly live = new Map<string, Docker.Container>();
  private readonly hostDirs = new HostDirsCache();

  constructor(
    private readonly opts: ContainerOptions,
    private readonly deps: ContainerLauncherDeps = {},
  ) {}

  /** The engine in use (after prepare). */
  get engineInfo(): Engine | undefined {
    return this.engine;
  }

  async prepare(ctx: LaunchContext): Promise<void> {
    this.ctx = ctx;
    const env = this.deps.env ?? readContainerEnv();
    const engine = this.deps.engine ?? (await discoverEngine({ endpoint: this.opts.engine, env }));
    this.engine = engine;
    this.proxyUrl = proxyUrlForContainers(ctx.proxyUrl, this.opts.network, engine.kind);
    if (this.opts.image) {
      this.imageRef = this.opts.image;
    } else {
      ctx.log.info('ensuring the offline runner image (a first build takes a few minutes)', { engine: engine.version });
      this.imageRef = await buildOfflineImage({ env, engineCli: engine.kind, onProgress: (line) => ctx.log.debug(line) });
    }
    this.image = await inspectImage(engine.docker, this.imageRef);
    // a missing image is not fatal here: every cell then reports the engine's own message as infra
    if (!this.image) ctx.log.warn('the image is not available from the engine; cells will fail to start', { image: this.imageRef, engine: engine.endpoint });
    this.workRoot = this.deps.workRoot ?? path.join(os.tmpdir(), `agentab-ct-${ctx.runId}`);
    await mkdir(this.workRoot, { recursive: true });
    await writeOwner(this.workRoot, ctx.runId);
    this.disarmReaper = armExitReaper(engine.connection, ctx.runId, () => this.live.size > 0, ctx.keepWorkspaces ? undefined : this.workRoot);
    ctx.log.info('container launcher ready', { engine: engine.version, endpoint: engine.endpoint, image: this.imageRef, cpus: this.opts.cpus, memory: this.opts.memoryBytes, network: this.opts.network });
  }

  async run(cell: Cell, signal: AbortSignal): Promise<CellResult> {
    const ctx = this.ctx;
    const engine = this.engine;
    const workRoot = this.workRoot;
    if (!ctx || !engine || !workRoot) throw new Error('ContainerLauncher.run before prepare');
    const { docker } = engine;
    const out = cellDir(ctx.runDir, cell.id);
    const stage = path.join(workRoot, cell.id);
    const homeDir = path.join(stage, 'home');
    const hostWorkspace = path.join(homeDir, 'work');
    const env: Record<string, string | number> = { image: this.imageRef, engine: engine.version, network: this.opts.network, cpus: this.opts.cpus, memory: this.opts.memoryBytes };
    if (this.image) env.imageId = this.image.id;
    const clock = startCell(cell, env);
    const { result, timed } = clock;

    await freshCellDir(out);

    // --- the workspace and the runner's files, built on the host --------------------------
    const adapter = runnerAdapter(cell.runner.kind);
    const resolved = ctx.runners[cell.runner.name];
    let inv: Invocation;
    const failed = await buildWorkspace(clock, cell, ctx, { root: stage, home: homeDir, workspace: hostWorkspace });
    if (failed) return failed;
    try {
      if (!resolved) throw new Error(`runner ${cell.runner.name} was not resolved`);
      inv = adapter.command({ cell, endpoint: ctx.endpoint(cell.id, this.proxyUrl), workspace: CONTAINER_WORKSPACE, home: CONTAINER_HOME, bin: containerBin(resolved.bin), cellVars: cellEnvVars(cell, ctx, {}, CONTAINER_WORKSPACE) });
      for (const [file, content] of Object.entries(inv.files)) {
        const rel = relativeToHome(file);
        if (!rel) throw new Error(`runner file ${file} is outside the container's home ${CONTAINER_HOME}`);
        await mkdir(path.dirname(path.join(homeDir, rel)), { recursive: true });
        await writeFile(path.join(homeDir, rel), content, { mode: 0o600 });
      }
    } catch (e) {
      return result({ failedPhase: 'runner', infraError: (e as Error).message });
    }
    if (signal.aborted) return result({ failedPhase: 'workspace', canceled: true });

    // --- the container ---------------------------------------------------------------------
    let container: Docker.Container | undefined;
    let forceTimer: NodeJS.Timeout | undefined;
    const stop = async (): Promise<void> => {
      const c = container;
      if (!c || forceTimer) return;
      // the container is removed after the grace period whatever happens; first ask nicely:
      // TERM every process of the agent user except PID 1 (the idle `sleep`)
      forceTimer = setTimeout(() => void removeContainers(docker, [c.id]), this.opts.killGraceMs);
      try {
        const e = await c.exec({ Cmd: ['/bin/sh', '-c', 'kill -TERM -1'], User: AGENT_USER, AttachStdout: false, AttachStderr: false });
        // the engine answers once the process started; the connection would stay open otherwise
        const s: unknown = await e.start({ Detach: true });
        (s as { destroy?: () => void } | undefined)?.destroy?.();
      } catch {
        // already gone
      }
    };
    try {
      const infra = await timed('workspace', async (): Promise<string | undefined> => {
        // a leftover of the same cell (a run resumed after a crash) would hold the name
        const old = await docker.listContainers({ all: true, filters: { label: [`${LABELS.run}=${ctx.runId}`, `${LABELS.cell}=${cell.id}`] } });
        if (old.length) await removeContainers(docker, old.map((c) => c.Id));
        try {
          container = await docker.createContainer(
            createOptions({
              image: this.imageRef,
              name: `agentab-${ctx.runId}-${cell.id}`,
              labels: cellLabels({ runId: ctx.runId, cellId: cell.id, experiment: cell.experiment }),
              cpus: this.opts.cpus,
              memoryBytes: this.opts.memoryBytes,
              network: this.opts.network,
              engineKind: engine.kind,
              ulimits: cellUlimits(),
            }),
          );
        } catch (e) {
          return `could not create the container from image ${this.imageRef}: ${engineMessage(e)}`;
        }
        this.live.set(cell.id, container);
        try {
          await container.start();
        } catch (e) {
          return `could not start the container from image ${this.imageRef}: ${engineMessage(e)}`;
        }
        const info = await container.inspect();
        env.container = info.Id.slice(0, 12);
        if (info.HostConfig.NanoCpus) env.cpus = info.HostConfig.NanoCpus / 1e9;
        if (info.HostConfig.Memory) env.memory = info.HostConfig.Memory;
        env.imageId = info.Image.startsWith('sha256:') ? info.Image : `sha256:${info.Image}`;
        try {
          await container.putArchive(await this.hostDirs.get([path.dirname(cell.task.file), ctx.plan.spec.dir]), { path: '/' });
          await container.putArchive(await tarDirectory(homeDir, { uid: AGENT_UID, gid: AGENT_GID, members: await readdir(homeDir) }), { path: CONTAINER_HOME });
        } catch (e) {
          return `could not copy the workspace into the container: ${engineMessage(e)}`;
        }
        return undefined;
      });
      if (infra) return result({ failedPhase: 'workspace', infraError: infra });
      const c = container!;

      // --- setup, runner, check: processes in the container --------------------------------
      const cellEnv = cellEnvVars(cell, ctx, containerBaseEnv(ctx.baseEnv), CONTAINER_WORKSPACE);
      const exec = (argv: string[], stdoutFile: string, stderrFile: string, envs: Record<string, string>, onStart?: () => void) =>
        execInContainer({ docker, container: c, argv, env: envs, user: AGENT_USER, cwd: CONTAINER_WORKSPACE, stdoutFile, stderrFile, timeoutMs: cell.timeoutMs, signal, stop, onStart });
      const shell: CellShell = (cmd, log, envs) => exec(['/bin/sh', '-c', cmd], log, log, envs);

      const setupFailed = await runSetup({ clock, cell, shell, log: path.join(out, 'setup.log'), env: cellEnv, overlay: () => this.placeOverlay(c, cell, stage) });
      if (setupFailed) return setupFailed;
      // The starting state the viewer diffs against: the workspace as the runner finds it.
      const snapshot = (name: string): Promise<WorkspaceSnapshot | null> =>
        snapshotContainerWorkspace({ docker, container: c, stage, name, stop, signal }).catch((e: unknown) => {
          ctx.log.debug('no workspace diff for this cell', { cell: cell.id, error: (e as Error).message });
          return null;
        });
      const before = await timed('workspace', () => snapshot('start'));

      ctx.registerCell(cell.id, { simScript: resolveSimScript(cell.task.sim, CONTAINER_WORKSPACE) });
      let launchMs: number | null = null;
      const runner = await timed('runner', () =>
        exec(inv.argv, path.join(out, 'stdout.log'), path.join(out, 'stderr.log'), { ...containerBaseEnv(ctx.baseEnv), ...cell.runner.env, ...cell.condition.env, ...inv.env }, () => {
          launchMs = Date.now() - clock.t0;
        }),
      );
      await this.copyArtifacts(c, cell, out);
      const ended = await afterRunner({
        clock,
        cell,
        adapter,
        out,
        runner,
        launchMs,
        runnerLabel: `${inv.argv[0]} in the container`,
        shell,
        env: cellEnv,
        beforeEnd: ctx.keepWorkspaces ? () => this.copyOut(c, CONTAINER_WORKSPACE, path.join(stage, 'after')) : undefined,
      });
      // After the cell's clock stopped: what the agent (and the check) changed, whatever the outcome.
      const after = before && !signal.aborted ? await snapshot('end') : null;
      if (before && after) await writeFile(path.join(out, 'workspace.diff'), workspaceDiff(before, after)).catch(() => undefined);
      return ended;
    } finally {
      if (forceTimer) clearTimeout(forceTimer);
      if (container) {
        // after the record's wall time: shown on the cell's timeline, not in its decomposition
        const r = await clock.timed('teardown', () => removeContainers(docker, [container!.id]));
        if (r.errors.length) ctx.log.warn('could not remove a cell container (dispose and `agentab clean` retry)', { cell: cell.id, errors: r.errors });
        else this.live.delete(cell.id);
      }
    }
  }

  /** The condition's files, written on the host and copied into the workspace. */
  private async placeOverlay(c: Docker.Container, cell: Cell, stage: string): Promise<void> {
    if (Object.keys(cell.condition.files).length === 0) return;
    try {
      const overlay = path.join(stage, 'overlay');
      await overlayFiles(cell.condition, overlay);
      await c.putArchive(await tarDirectory(overlay, { uid: AGENT_UID, gid: AGENT_GID, members: await readdir(overlay) }), { path: CONTAINER_WORKSPACE });
    } catch (e) {
      throw new Error(`condition ${cell.condition.name}: could not place its files: ${engineMessage(e)}`);
    }
  }

  /** Runner session logs (best effort: a runner that never started has none). */
  private async copyArtifacts(c: Docker.Container, cell: Cell, out: string): Promise<void> {
    for (const rel of runnerAdapter(cell.runner.kind).artifacts) {
      await this.copyOut(c, path.posix.join(CONTAINER_HOME, rel), path.join(out, 'home', path.dirname(rel)));
    }
  }

  private async copyOut(c: Docker.Container, from: string, to: string): Promise<void> {
    try {
      await extractArchive(await c.getArchive({ path: from }), to);
    } catch (e) {
      if (engineStatus(e) !== 404) this.ctx?.log.debug('could not copy out of a container', { from, error: engineMessage(e) });
    }
  }

  async release(cellId: string): Promise<void> {
    if (this.workRoot && !this.ctx?.keepWorkspaces) await rm(path.join(this.workRoot, cellId), { recursive: true, force: true });
  }

  async dispose(): Promise<void> {
    const engine = this.engine;
    const ctx = this.ctx;
    if (engine && ctx) {
      const r = await removeRunContainers(engine.docker, ctx.runId).catch((e: unknown) => ({ removed: [], errors: [engineMessage(e)] }));
      if (r.errors.length) ctx.log.warn('some containers of the run could not be removed; run `agentab clean`', { errors: r.errors });
      else {
        this.live.clear();
        this.disarmReaper?.();
        this.disarmReaper = undefined;
      }
    }
    if (this.workRoot && !ctx?.keepWorkspaces) await rm(this.workRoot, { recursive: true, force: true });
  }
}
