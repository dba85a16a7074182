/** Test helpers: temporary experiments with the `command` runner, and small fixtures. */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { execa } from 'execa';

export const CALL_PROXY = fileURLToPath(new URL('./fixtures/call-proxy.mjs', import.meta.url));

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'agentab-test-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

export interface TempExperiment {
  dir: string;
  spec: string;
  out: string;
}

/**
 * Writes an experiment dir: `experiment.yaml` (the given YAML body) and task files
 * `tasks/<id>.yaml` (given YAML bodies, `id:` added).
 */
export function writeExperiment(specYaml: string, tasks: Record<string, string>): TempExperiment {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'tasks'));
  for (const [id, body] of Object.entries(tasks)) writeFileSync(path.join(dir, 'tasks', `${id}.yaml`), `id: ${id}\n${body}`);
  const spec = path.join(dir, 'experiment.yaml');
  writeFileSync(spec, specYaml);
  return { dir, spec, out: path.join(dir, 'results') };
}

/** A fast simulator proxy block for experiment YAML. */
export const FAST_SIM_PROXY = `proxy:
  model_list:
    - model_name: shared-model
      litellm_params:
        model: sim/sim-default
        input_cost_per_token: 0.000001
        output_cost_per_token: 0.000002
        sim: { seed: 1, ttft_ms: 1, ttft_ms_per_1k_tokens: 0, tokens_per_second: 100000, jitter: 0 }
`;

/** Two tasks: `ok` passes its check, `bad` fails it. */
export const OK_AND_BAD_TASKS: Record<string, string> = { ok: 'prompt: p\ncheck: "true"\n', bad: 'prompt: p\ncheck: "false"\n' };

export interface CallsExperimentOptions {
  name: string;
  /** Cells at once (default 1). */
  concurrency?: number;
  /** More YAML at the top level: a `launcher:` line, a budget… */
  extra?: string;
  tasks?: Record<string, string>;
}

/**
 * One `command` runner whose cells make CALLS + rep model calls through the proxy, conditions
 * a (CALLS 1) and b (CALLS 3), 2 reps, over `tasks` (default: ok and bad): every cell's call
 * count is distinct per condition and rep, so a record that lands on the wrong cell shows.
 */
export function callsExperiment(o: CallsExperimentOptions): TempExperiment {
  return writeExperiment(
    `name: ${o.name}
runners:
  - name: cmd
    kind: command
    command: node ${CALL_PROXY} $((CALLS + AGENTAB_REP))
conditions:
  - name: a
    env: { CALLS: 1 }
  - name: b
    env: { CALLS: 3 }
tasks: tasks/*.yaml
reps: 2
concurrency: ${o.concurrency ?? 1}
timeout: 60s
${FAST_SIM_PROXY}${o.extra ?? ''}`,
    o.tasks ?? OK_AND_BAD_TASKS,
  );
}

/** Whether a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

const AGENTAB_BIN = fileURLToPath(new URL('../../bin/agentab.js', import.meta.url));

/** The real `agentab` command in a child process, with a minimal environment (PATH, CI, HOME). */
export function agentabCli(args: string[]) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: '1', HOME: process.env.HOME ?? os.tmpdir() };
  return execa(process.execPath, [AGENTAB_BIN, ...args], { env, extendEnv: false, reject: false });
}

/** Polls `condition` every 50 ms until it holds; fails the test naming `what` after `ms`. */
export async function waitFor(condition: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}
