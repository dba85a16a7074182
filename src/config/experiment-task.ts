/**
 * Loads task files (`tasks/<suite>/*.yaml`) into TaskDefs: validates them, resolves the
 * workspace fixture against the task file, and reports problems with file and line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { SpecError } from './experiment-errors.ts';
import { TaskYamlSchema } from './experiment-schema.ts';
import type { TaskDef, WorkspaceSource } from './experiment-types.ts';
import { LocatedYaml } from './experiment-yaml.ts';

export function loadTaskFile(file: string): TaskDef {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError('task_not_found', `cannot read task file: ${(e as Error).message}`, { file }, { cause: e });
  }
  const y = LocatedYaml.parse(text, file);
  const t = y.parseWith(TaskYamlSchema);
  const dir = path.dirname(file);
  let workspace: WorkspaceSource = { kind: 'empty' };
  if (t.workspace !== undefined) {
    if (typeof t.workspace === 'string' || 'dir' in t.workspace) {
      const rel = typeof t.workspace === 'string' ? t.workspace : t.workspace.dir;
      const abs = path.resolve(dir, rel);
      if (!existsSync(abs) || !statSync(abs).isDirectory()) {
        throw new SpecError('workspace_not_found', `workspace directory not found: ${abs}`, y.at(['workspace']));
      }
      workspace = { kind: 'dir', path: abs };
    } else {
      // a relative git URL is a local repository next to the task file
      const url = /^[a-z][a-z0-9+.-]*:/i.test(t.workspace.git) || t.workspace.git.startsWith('/') ? t.workspace.git : path.resolve(dir, t.workspace.git);
      workspace = { kind: 'git', url, ref: t.workspace.ref };
    }
  }
  return {
    id: t.id,
    file,
    description: t.description,
    prompt: t.prompt,
    workspace,
    setup: t.setup ?? [],
    check: t.check,
    timeoutMs: t.timeout,
    tags: t.tags,
    maxTurns: t.max_turns,
    command: t.command,
    expected: {
      calls: t.expected?.calls,
      inputTokens: t.expected?.input_tokens,
      outputTokens: t.expected?.output_tokens,
      seconds: t.expected?.seconds,
      costUsd: t.expected?.cost_usd,
    },
    sim: t.sim,
  };
}

/** Task files matching one glob (or literal path) relative to `cwd`, sorted. */
export async function findTaskFiles(pattern: string, cwd: string): Promise<string[]> {
  const files = await glob(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
  return files.filter((f) => /\.ya?ml$/i.test(f)).sort();
}
