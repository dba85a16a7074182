/**
 * `agentab new task <name>`: a complete task that passes out of the box — a task file with
 * every field commented, a workspace fixture, a check script found through $AGENTAB_TASK_DIR,
 * and a simulator script that does the work, so the task runs on the embedded simulator with
 * real agents before it is edited into the task one means to measure.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ScaffoldedTask {
  /** The task file. */
  file: string;
  /** Every file written, task file first. */
  written: string[];
}

function taskYaml(name: string): string {
  return `# ${name}: a task scaffolded by \`agentab new task\`. It passes as written (on the simulator and
# with a real model); edit the prompt, workspace, check and sim script into your own task.
# Reference: README, "Writing tasks".

# Unique within an experiment; names the cells, results and --tasks filters.
id: ${name}
description: Fix the typo in greeting.txt.

# The directory every cell starts from (copied fresh per cell), relative to this file.
# Also possible: { git: ../some-repo, ref: v1 } (a checkout), or nothing (an empty directory).
workspace: ${name}

# What the agent is asked (the whole prompt; both claude and opencode get it as is).
prompt: >-
  The file greeting.txt says "hello wrld". Fix the typo so that it says "hello world".
  Change nothing else.

# Shell commands run in the workspace before the agent (after the workspace is copied);
# a failing one makes the cell "infra", never a fail of the condition.
setup:
  - test -f greeting.txt

# Pass when this exits 0; it runs in the workspace after the agent. $AGENTAB_TASK_DIR is the
# directory of this file, $AGENTAB_SPEC_DIR that of the experiment, $AGENTAB_WORKSPACE the workspace.
check: sh "$AGENTAB_TASK_DIR/checks/${name}.sh"

# The cell's time limit (the experiment's timeout applies when omitted) and the agent's turns.
timeout: 3m
max_turns: 10
tags: [example]

# About what a run costs, for \`agentab plan\` estimates before any run has recorded real numbers.
expected: { calls: 3, input_tokens: 40000, output_tokens: 300, seconds: 15 }

# What the simulated model does, one action per turn (used only when the model is the simulator):
#   read {path} · write {path, content} · edit {path, old, new} · bash {command, description}
#   · say {text} (the final answer). Every action takes think_ms and tokens; tool actions take
#   on_error (actions taken instead when the tool result is a failure) and error_pattern.
sim:
  - action: read
    path: greeting.txt
  - action: edit
    path: greeting.txt
    old: hello wrld
    new: hello world
    on_error:
      - action: bash
        command: sed -i 's/hello wrld/hello world/' greeting.txt
        description: Fix the typo
  - action: say
    text: Fixed the typo in greeting.txt; it now says "hello world".
`;
}

const CHECK = `#!/bin/sh
# The check of the scaffolded task: exit 0 = pass. Runs in the cell's workspace.
set -eu
test "$(cat greeting.txt)" = "hello world"
`;

/** Writes `<dir>/<name>.yaml`, `<dir>/<name>/greeting.txt` and `<dir>/checks/<name>.sh`; refuses to overwrite. */
export async function scaffoldTask(name: string, dir: string): Promise<ScaffoldedTask> {
  if (!NAME.test(name)) throw new Error(`task name ${JSON.stringify(name)}: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  const file = path.join(dir, `${name}.yaml`);
  const workspace = path.join(dir, name);
  const check = path.join(dir, 'checks', `${name}.sh`);
  const taken = [file, workspace, check].filter((p) => existsSync(p));
  if (taken.length) throw new Error(`not overwriting ${taken.join(', ')}: choose another name or --dir`);
  await mkdir(workspace, { recursive: true });
  await mkdir(path.dirname(check), { recursive: true });
  await writeFile(file, taskYaml(name));
  await writeFile(path.join(workspace, 'greeting.txt'), 'hello wrld\n');
  await writeFile(check, CHECK, { mode: 0o755 });
  return { file, written: [file, path.join(workspace, 'greeting.txt'), check] };
}
