/**
 * The YAML shapes of experiment specs (`experiments/*.yaml`) and task files
 * (`tasks/<suite>/*.yaml`). Strict: an unknown key is an error with its line. Keys are
 * snake_case in YAML; experiment-loader.ts resolves them into the camelCase types of
 * experiment-types.ts.
 */
import { z } from 'zod';
import { SimScriptSchema } from '../sim/script.ts';
import { parseDurationMs } from './experiment-duration.ts';
import { RUNNER_NAMES } from '../experiment/runners/adapters.ts';
import { LAUNCHER_NAMES } from '../experiment/launchers/registry.ts';

/** Runner and launcher kinds come from their registries: a new one is valid wherever a kind is. */
export const RUNNER_KINDS = RUNNER_NAMES as readonly [string, ...string[]];
export type RunnerKind = string;
export const LAUNCHER_KINDS = LAUNCHER_NAMES as readonly [string, ...string[]];
export type LauncherKind = string;
export const ORDERS = ['interleaved', 'sequential', 'random'] as const;
export type RunOrder = (typeof ORDERS)[number];

/** Names of runners, conditions, tasks: they end up in paths and flags. */
export const NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const DurationSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(v)} (use seconds, or e.g. "90s", "5m")` });
    return z.NEVER;
  }
  return ms;
});

const EnvSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const Commands = z.union([z.string(), z.array(z.string())]).transform((v) => (typeof v === 'string' ? [v] : v));

/** A file to put in the workspace: inline text, or `{from: path}` relative to the spec file. */
const FileSource = z.union([z.string(), z.object({ from: z.string().min(1) }).strict()]);

export const RunnerYamlSchema = z.union([
  NAME,
  z
    .object({
      name: NAME,
      /** Defaults to the name (so `- name: claude` is enough). */
      kind: z.enum(RUNNER_KINDS).optional(),
      args: z.array(z.string()).optional(),
      env: EnvSchema.optional(),
      max_turns: z.number().int().positive().optional(),
      /** command runner: the shell command to run in the workspace. */
      command: z.string().min(1).optional(),
      /** Path of the runner binary, when not the one installed with agentab. */
      bin: z.string().min(1).optional(),
    })
    .strict(),
]);

export const ProxyModelListSchema = z.array(z.record(z.string(), z.unknown()));

export const ConditionYamlSchema = z
  .object({
    name: NAME,
    description: z.string().optional(),
    setup: Commands.optional(),
    files: z.record(z.string().min(1), FileSource).optional(),
    env: EnvSchema.optional(),
    args: z.array(z.string()).optional(),
    /** Another model alias for this condition (must exist in the proxy config). */
    model: z.string().min(1).optional(),
    /** Extra proxy deployments this condition needs, merged into the run's proxy config. */
    proxy: z.object({ model_list: ProxyModelListSchema }).strict().optional(),
  })
  .strict();

const ProxyYamlSchema = z.union([
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ model_list: ProxyModelListSchema }).loose(),
]);

/** Options of `launcher: {kind: local, …}`: cells run on this host. */
export const LocalLauncherOptionsSchema = z
  .object({
    /** SIGTERM → kill delay when a cell is stopped. */
    kill_grace_ms: z.number().int().nonnegative().optional(),
  })
  .strict();

/**
 * Options of `launcher: {kind: container, …}`. The launcher validates its options with this
 * schema (the spec's launcher block itself stays loose, as for every launcher kind).
 */
export const ContainerLauncherOptionsSchema = z
  .object({
    /** Image reference; default: the runner image built offline (`agentab image build`). */
    image: z.string().min(1).optional(),
    /** CPUs per cell container (fractions allowed). */
    cpus: z.number().positive().optional(),
    /** Memory per cell container: bytes, or a size such as "2g" or "512m". */
    memory: z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*([kmgt]i?b?|b)?$/i, 'a size such as "2g" or "512m"')]).optional(),
    /** `host` (default): containers share the host's network, the proxy on 127.0.0.1 is reachable. */
    network: z.string().min(1).optional(),
    /** The engine API: a socket path, unix:// or tcp:// URL (default: DOCKER_HOST, Docker's socket, Podman's). */
    engine: z.string().min(1).optional(),
    /** SIGTERM → kill delay when a cell is stopped. */
    kill_grace_ms: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ContainerLauncherOptions = z.infer<typeof ContainerLauncherOptionsSchema>;

const LauncherYamlSchema = z.union([
  z.enum(LAUNCHER_KINDS),
  z.object({ kind: z.enum(LAUNCHER_KINDS) }).loose(),
]);

export const ExperimentYamlSchema = z
  .object({
    name: NAME,
    description: z.string().optional(),
    /** The model alias every runner uses. */
    model: z.string().min(1).default('shared-model'),
    proxy: ProxyYamlSchema.optional(),
    runners: z.array(RunnerYamlSchema).min(1),
    conditions: z.array(ConditionYamlSchema).min(1),
    /** Globs of task files, relative to the spec file. */
    tasks: z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)),
    reps: z.number().int().positive().default(1),
    launcher: LauncherYamlSchema.default('local'),
    concurrency: z.number().int().positive().default(1),
    order: z.enum(ORDERS).default('interleaved'),
    /** Per-cell timeout (tasks may set a shorter or longer one). */
    timeout: DurationSchema.default(600_000),
    budget: z
      .object({ usd: z.number().positive().optional(), tokens: z.number().int().positive().optional() })
      .strict()
      .optional(),
    seed: z.number().int().nonnegative().default(1),
    max_turns: z.number().int().positive().optional(),
  })
  .strict();

export type ExperimentYaml = z.infer<typeof ExperimentYamlSchema>;
export type RunnerYaml = z.infer<typeof RunnerYamlSchema>;
export type ConditionYaml = z.infer<typeof ConditionYamlSchema>;

const WorkspaceYamlSchema = z.union([
  z.string().min(1),
  z.object({ dir: z.string().min(1) }).strict(),
  z.object({ git: z.string().min(1), ref: z.string().min(1).default('HEAD') }).strict(),
]);

export const TaskYamlSchema = z
  .object({
    id: NAME,
    description: z.string().optional(),
    prompt: z.string().min(1),
    /** A fixture directory (relative to the task file), or a git repo + ref. Omitted: empty. */
    workspace: WorkspaceYamlSchema.optional(),
    setup: Commands.optional(),
    /** Success check run in the workspace after the runner; exit 0 = pass. */
    check: z.string().min(1).optional(),
    timeout: DurationSchema.optional(),
    tags: z.array(z.string()).default([]),
    max_turns: z.number().int().positive().optional(),
    /** command runner: the command to run for this task, when the runner has none. */
    command: z.string().min(1).optional(),
    /** Expected size, used to estimate a plan before any run has recorded real numbers. */
    expected: z
      .object({
        calls: z.number().int().nonnegative().optional(),
        input_tokens: z.number().int().nonnegative().optional(),
        output_tokens: z.number().int().nonnegative().optional(),
        seconds: z.number().nonnegative().optional(),
        cost_usd: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    /** Actions of the simulated model for this task (used only with the simulator). */
    sim: SimScriptSchema.optional(),
  })
  .strict();
export type TaskYaml = z.infer<typeof TaskYamlSchema>;
