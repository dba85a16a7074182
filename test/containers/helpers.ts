/**
 * Helpers of the container tests: the engine (Podman's service started when needed), the
 * offline runner image (built once), experiments whose `command` runner runs
 * fixtures/cell.mjs inside the cells' containers, and a barrier server proving that cells
 * run at the same time.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readContainerEnv } from '../../src/config/container-env.ts';
import { buildOfflineImage } from '../../src/experiment/launchers/container/image.ts';
import { discoverEngine, type Engine } from '../../src/experiment/launchers/container/engine.ts';
import { listAgentabContainers } from '../../src/experiment/launchers/container/labels.ts';
import { FAST_SIM_PROXY, writeExperiment, type TempExperiment } from '../experiment/helpers.ts';

export const CELL_SCRIPT = fileURLToPath(new URL('./fixtures/cell.mjs', import.meta.url));
export const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

let enginePromise: Promise<Engine | string> | undefined;

/** The engine, or why there is none (the tests then skip with that message). */
export function engineOrReason(): Promise<Engine | string> {
  enginePromise ??= discoverEngine({ env: readContainerEnv() }).catch((e: unknown) => `no container engine (${(e as Error).message})`);
  return enginePromise;
}

let imagePromise: Promise<string> | undefined;

/** The offline runner image (a no-op after the first build). */
export function runnerImage(engine: Engine): Promise<string> {
  imagePromise ??= buildOfflineImage({ env: readContainerEnv(), engineCli: engine.kind });
  return imagePromise;
}

/**
 * An experiment dir with cell.mjs beside the spec (the spec dir is mounted read-only into
 * every cell container at the same path); `$DIR` in the YAML is replaced by that dir.
 */
export function containerExperiment(launcher: string, body: string, tasks: Record<string, string> = { t: 'prompt: p\ncheck: "test -f /opt/agents/MANIFEST"\n' }): TempExperiment {
  const x = writeExperiment(`name: ct\nlauncher:\n${launcher}\n${body}\n${FAST_SIM_PROXY}`, tasks);
  copyFileSync(CELL_SCRIPT, path.join(x.dir, 'cell.mjs'));
  writeFileSync(x.spec, readFileSync(x.spec, 'utf8').replaceAll('$DIR', x.dir));
  return x;
}

export async function runContainers(engine: Engine, runId: string) {
  return listAgentabContainers(engine.docker, runId);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `f` is true (bounded: throws after `ms`). */
export async function until(f: () => Promise<boolean> | boolean, ms = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface Barrier {
  url: string;
  /** Cells that reached the barrier. */
  arrived: string[];
  close(): Promise<void>;
}

/**
 * An HTTP barrier on 127.0.0.1: answers nobody until `parties` requests wait (or 409 after
 * `maxWaitMs`); `onFull` runs while all of them are held.
 */
export async function barrier(parties: number, onFull: () => Promise<void> = async () => {}, maxWaitMs = 60_000): Promise<Barrier> {
  const waiting: { end: (status: number) => void }[] = [];
  const arrived: string[] = [];
  const server: Server = createServer((req, res) => {
    arrived.push(new URL(req.url ?? '/', 'http://x').searchParams.get('cell') ?? '?');
    const timer = setTimeout(() => end(409), maxWaitMs);
    const end = (status: number) => {
      clearTimeout(timer);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'go' : 'alone');
    };
    waiting.push({ end });
    if (waiting.length >= parties) {
      const group = waiting.splice(0);
      void onFull().finally(() => {
        for (const w of group) w.end(200);
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/barrier`,
    arrived,
    close: () =>
      new Promise<void>((r) => {
        for (const w of waiting.splice(0)) w.end(409);
        server.close(() => r());
      }),
  };
}
