/**
 * Loads an experiment spec file into an ExperimentSpec and applies CLI overrides.
 * Every error names the file, the line and the key (SpecError).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SpecError } from './experiment-errors.ts';
import { ExperimentYamlSchema, RUNNER_KINDS, type ConditionYaml, type RunnerKind, type RunnerYaml } from './experiment-schema.ts';
import { findTaskFiles, loadTaskFile } from './experiment-task.ts';
import type { ConditionDef, ExperimentSpec, FileSource, LauncherDef, ProxySource, RunnerDef, SpecOverrides, TaskDef } from './experiment-types.ts';
import { LocatedYaml } from './experiment-yaml.ts';
import { runnerAdapter } from '../experiment/runners/adapters.ts';
import type { SpecLocation } from './experiment-errors.ts';

const isRunnerKind = (s: string): s is RunnerKind => (RUNNER_KINDS as readonly string[]).includes(s);

export function defaultRunner(kind: RunnerKind): RunnerDef {
  return { name: kind, kind, args: [], env: {} };
}

function resolveRunner(r: RunnerYaml, i: number, y: LocatedYaml, dir: string): RunnerDef {
  if (typeof r === 'string') {
    if (!isRunnerKind(r)) throw unknownRunner(r, y.at(['runners', i]));
    return defaultRunner(r);
  }
  const kind = r.kind ?? r.name;
  if (!isRunnerKind(kind)) throw unknownRunner(kind, y.at(['runners', i, r.kind === undefined ? 'name' : 'kind']));
  const adapter = runnerAdapter(kind);
  if (r.max_turns !== undefined && !adapter.limitsTurns) {
    throw new SpecError('invalid_value', `max_turns does not apply to the ${kind} runner (it has no turn limit to pass it to)`, y.at(['runners', i, 'max_turns']));
  }
  if (r.command !== undefined && adapter.runs !== 'command') {
    throw new SpecError('invalid_value', `command applies to the command runner only; the ${kind} runner runs its CLI (set bin and args)`, y.at(['runners', i, 'command']));
  }
  if (r.bin !== undefined && adapter.runs !== 'bin') {
    throw new SpecError('invalid_value', `bin does not apply to the ${kind} runner: its command runs in /bin/sh`, y.at(['runners', i, 'bin']));
  }
  return {
    name: r.name,
    kind,
    args: r.args ?? [],
    env: r.env ?? {},
    maxTurns: r.max_turns,
    command: r.command,
    bin: r.bin === undefined ? undefined : path.resolve(dir, r.bin),
  };
}

function unknownRunner(name: string, loc: SpecLocation): SpecError {
  return new SpecError('unknown_runner', `unknown runner "${name}"`, loc, { validValues: RUNNER_KINDS, validLabel: 'runners' });
}

function resolveCondition(c: ConditionYaml, dir: string): ConditionDef {
  const files: Record<string, FileSource> = {};
  for (const [dest, src] of Object.entries(c.files ?? {})) {
    files[dest] = typeof src === 'string' ? { content: src } : { from: path.resolve(dir, src.from) };
  }
  return {
    name: c.name,
    description: c.description,
    setup: c.setup ?? [],
    files,
    env: c.env ?? {},
    args: c.args ?? [],
    model: c.model,
    proxyModelList: c.proxy?.model_list ?? [],
  };
}

function checkUnique(names: string[], what: 'runner' | 'condition', y: LocatedYaml, key: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) {
      throw new SpecError(`duplicate_${what}`, `duplicate ${what} "${n}" (each ${what} name must be unique)`, y.at([key, i]));
    }
    seen.add(n);
  });
}

function uniqueTasks(tasks: TaskDef[]): TaskDef[] {
  const byId = new Map<string, TaskDef>();
  const byFile = new Set<string>();
  const out: TaskDef[] = [];
  for (const t of tasks) {
    if (byFile.has(t.file)) continue; // two globs matching the same file
    const prev = byId.get(t.id);
    if (prev) throw new SpecError('duplicate_task', `task id "${t.id}" is defined twice: ${prev.file} and ${t.file}`, { file: t.file, key: 'id' });
    byId.set(t.id, t);
    byFile.add(t.file);
    out.push(t);
  }
  return out;
}

/** Ids of the task files of a suite directory (`<id>.yaml`). */
function taskIdsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).map((n) => n.replace(/\.ya?ml$/, ''));
  } catch {
    return [];
  }
}

async function loadTasks(globs: string[], cwd: string, loc: (i: number) => SpecLocation): Promise<TaskDef[]> {
  const tasks: TaskDef[] = [];
  for (const [i, g] of globs.entries()) {
    const files = await findTaskFiles(g, cwd);
    if (files.length === 0) throw new SpecError('task_not_found', `no task file matches "${g}" (relative to ${cwd})`, loc(i));
    for (const f of files) tasks.push(loadTaskFile(f));
  }
  return uniqueTasks(tasks);
}

/** Parses spec text (as if read from `file`) into an ExperimentSpec, loading its tasks. */
export async function parseExperiment(text: string, file: string): Promise<ExperimentSpec> {
  const y = LocatedYaml.parse(text, file);
  const s = y.parseWith(ExperimentYamlSchema);
  const dir = path.dirname(file);
  const runners = s.runners.map((r, i) => resolveRunner(r, i, y, dir));
  checkUnique(runners.map((r) => r.name), 'runner', y, 'runners');
  checkUnique(s.conditions.map((c) => c.name), 'condition', y, 'conditions');
  const tasks = await loadTasks(s.tasks, dir, (i) => y.at(Array.isArray((y.value as { tasks?: unknown }).tasks) ? ['tasks', i] : ['tasks']));
  let proxy: ProxySource = { kind: 'default' };
  if (s.proxy) {
    const f = (s.proxy as { file?: unknown }).file;
    proxy = typeof f === 'string' ? { kind: 'file', path: path.resolve(dir, f) } : { kind: 'inline', config: s.proxy as Record<string, unknown> };
  }
  const launcher: LauncherDef = typeof s.launcher === 'string' ? { kind: s.launcher, options: {} } : (({ kind, ...options }) => ({ kind, options }))(s.launcher);
  return {
    name: s.name,
    description: s.description,
    file,
    dir,
    model: s.model,
    proxy,
    runners,
    conditions: s.conditions.map((c) => resolveCondition(c, dir)),
    tasks,
    reps: s.reps,
    launcher,
    concurrency: s.concurrency,
    order: s.order,
    timeoutMs: s.timeout,
    budget: { usd: s.budget?.usd, tokens: s.budget?.tokens },
    seed: s.seed,
    maxTurns: s.max_turns,
  };
}

export async function loadExperiment(file: string, overrides: SpecOverrides = {}, cwd = process.cwd()): Promise<ExperimentSpec> {
  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new SpecError('spec_not_found', `cannot read experiment spec: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { file: abs }, { cause: e });
  }
  return applyOverrides(await parseExperiment(text, abs), overrides, cwd);
}

function selectByName<T extends { name: string }>(all: T[], names: string[], what: 'runner' | 'condition', fallback?: (n: string) => T | undefined): T[] {
  const out: T[] = [];
  for (const n of names) {
    const hit = all.find((x) => x.name === n) ?? fallback?.(n);
    if (!hit) {
      const known = [...all.map((x) => x.name), ...(what === 'runner' ? RUNNER_KINDS.filter((k) => !all.some((x) => x.name === k)) : [])];
      throw new SpecError(what === 'runner' ? 'unknown_runner' : 'unknown_condition', `unknown ${what} "${n}"`, { key: `--${what}s` }, { validValues: known, validLabel: `${what}s` });
    }
    if (out.some((x) => x.name === hit.name)) throw new SpecError(`duplicate_${what}`, `${what} "${n}" given twice`, { key: `--${what}s` });
    out.push(hit);
  }
  return out;
}

/** Applies CLI overrides; unknown runner or condition names are errors. */
export async function applyOverrides(spec: ExperimentSpec, o: SpecOverrides, cwd = process.cwd()): Promise<ExperimentSpec> {
  const out: ExperimentSpec = { ...spec, budget: { ...spec.budget } };
  if (o.runners) out.runners = selectByName(spec.runners, o.runners, 'runner', (n) => (isRunnerKind(n) ? defaultRunner(n) : undefined));
  if (o.conditions) out.conditions = selectByName(spec.conditions, o.conditions, 'condition');
  if (o.tasks) {
    const picked: TaskDef[] = [];
    // An id of the spec's tasks, else an id of a task file next to them (tasks/pilot/<id>.yaml:
    // the pilot runs one task of its suite by default), else a glob relative to cwd.
    const suiteDirs = [...new Set(spec.tasks.map((x) => path.dirname(x.file)))];
    for (const t of o.tasks) {
      const byId = spec.tasks.find((x) => x.id === t);
      const sibling = byId ? undefined : suiteDirs.map((d) => path.join(d, `${t}.yaml`)).find((f) => existsSync(f));
      if (byId) picked.push(byId);
      else if (sibling) picked.push(loadTaskFile(sibling));
      else {
        // Not an id and matching no file: the ids there are say what was meant (a typo, most often).
        const known = [...new Set([...spec.tasks.map((x) => x.id), ...suiteDirs.flatMap((d) => taskIdsIn(d))])].sort();
        const asGlob = await findTaskFiles(t, cwd);
        if (asGlob.length === 0) throw new SpecError('task_not_found', `no task "${t}": not a task id, and no task file matches it (relative to ${cwd})`, { key: '--tasks' }, { validValues: known, validLabel: 'task ids' });
        picked.push(...asGlob.map(loadTaskFile));
      }
    }
    out.tasks = uniqueTasks(picked);
  }
  if (o.tags !== undefined) {
    const wanted = new Set(o.tags);
    const tagged = out.tasks.filter((t) => t.tags.some((tag) => wanted.has(tag)));
    if (tagged.length === 0) {
      const known = [...new Set(out.tasks.flatMap((t) => t.tags))].sort();
      throw new SpecError('override_invalid', `no task${o.tasks ? ' among those --tasks selected' : ''} carries any of the tags ${o.tags.join(', ')}`, { key: '--tags' }, { validValues: known, validLabel: 'tags' });
    }
    out.tasks = tagged;
  }
  const positive = (v: number | undefined, key: string, int = true) => {
    if (v !== undefined && !(v > 0 && (!int || Number.isInteger(v)))) {
      throw new SpecError('override_invalid', `must be a positive ${int ? 'integer' : 'number'}, got ${v}`, { key });
    }
  };
  positive(o.reps, '--reps');
  positive(o.concurrency, '--concurrency');
  positive(o.budgetUsd, '--budget-usd', false);
  positive(o.budgetTokens, '--budget-tokens');
  positive(o.timeoutMs, '--timeout', false);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0)) throw new SpecError('override_invalid', `must be a non-negative integer, got ${o.seed}`, { key: '--seed' });
  if (o.reps !== undefined) out.reps = o.reps;
  if (o.concurrency !== undefined) out.concurrency = o.concurrency;
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.budgetUsd !== undefined) out.budget.usd = o.budgetUsd;
  if (o.budgetTokens !== undefined) out.budget.tokens = o.budgetTokens;
  if (o.timeoutMs !== undefined) {
    // a timeout given on the command line wins over the tasks' own
    out.timeoutMs = o.timeoutMs;
    out.tasks = out.tasks.map((t) => ({ ...t, timeoutMs: undefined }));
  }
  if (o.order !== undefined) out.order = o.order;
  if (o.launcher !== undefined && o.launcher !== spec.launcher.kind) out.launcher = { kind: o.launcher, options: {} };
  if (o.gce && Object.keys(o.gce).length) {
    if (out.launcher.kind !== 'gce') throw new SpecError('override_invalid', `--gce-* flags apply to the gce launcher, and this run uses "${out.launcher.kind}" (add --launcher gce)`, { key: '--gce-*' });
    out.launcher = { kind: 'gce', options: { ...out.launcher.options, ...o.gce } };
  }
  return out;
}
