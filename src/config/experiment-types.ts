/**
 * A resolved experiment: paths absolute, durations in ms, tasks loaded. What the planner,
 * the launchers and the runners consume (never the raw YAML).
 */
import type { SimAction } from '../sim/script.ts';
import type { LauncherKind, RunOrder, RunnerKind } from './experiment-schema.ts';

export type { LauncherKind, RunOrder, RunnerKind };

export interface RunnerDef {
  name: string;
  kind: RunnerKind;
  args: string[];
  env: Record<string, string>;
  maxTurns?: number;
  /** command runner: the shell command. */
  command?: string;
  /** Absolute path of the binary to run instead of the one installed with agentab. */
  bin?: string;
}

/** A file to place in a workspace: inline content or an absolute source path. */
export type FileSource = { content: string } | { from: string };

export interface ConditionDef {
  name: string;
  description?: string;
  setup: string[];
  /** Workspace-relative path → source. */
  files: Record<string, FileSource>;
  env: Record<string, string>;
  args: string[];
  /** Model alias override for this condition. */
  model?: string;
  /** Extra proxy `model_list` entries this condition needs. */
  proxyModelList: Record<string, unknown>[];
}

export type WorkspaceSource = { kind: 'empty' } | { kind: 'dir'; path: string } | { kind: 'git'; url: string; ref: string };

export interface TaskExpected {
  calls?: number;
  inputTokens?: number;
  outputTokens?: number;
  seconds?: number;
  costUsd?: number;
}

export interface TaskDef {
  id: string;
  /** Absolute path of the task file. */
  file: string;
  description?: string;
  prompt: string;
  workspace: WorkspaceSource;
  setup: string[];
  check?: string;
  timeoutMs?: number;
  tags: string[];
  maxTurns?: number;
  command?: string;
  expected: TaskExpected;
  sim?: SimAction[];
}

export type ProxySource = { kind: 'file'; path: string } | { kind: 'inline'; config: Record<string, unknown> } | { kind: 'default' };

export interface LauncherDef {
  kind: LauncherKind;
  /** Launcher-specific options, passed through to the launcher. */
  options: Record<string, unknown>;
}

export interface ExperimentSpec {
  name: string;
  description?: string;
  /** Absolute path of the spec file; undefined for a spec built in code. */
  file?: string;
  /** Directory relative paths in the spec resolve against. */
  dir: string;
  model: string;
  proxy: ProxySource;
  runners: RunnerDef[];
  conditions: ConditionDef[];
  tasks: TaskDef[];
  reps: number;
  launcher: LauncherDef;
  concurrency: number;
  order: RunOrder;
  timeoutMs: number;
  budget: { usd?: number; tokens?: number };
  seed: number;
  maxTurns?: number;
}

/** CLI flags that override spec fields. */
export interface SpecOverrides {
  runners?: string[];
  conditions?: string[];
  /** Task ids of the spec, or globs of task files (relative to `cwd`). */
  tasks?: string[];
  /** Only the tasks (of the spec, or of `tasks`) carrying at least one of these tags. */
  tags?: string[];
  reps?: number;
  launcher?: LauncherKind;
  concurrency?: number;
  seed?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  timeoutMs?: number;
  order?: RunOrder;
  /** `--gce-*` flags: options of the gce launcher (YAML keys), over the spec's `launcher:` block. */
  gce?: Record<string, unknown>;
}
