/**
 * `agentab plan` shows what each cell's runner gets: the command runner's AGENTAB_* variables
 * (task and spec dirs) and its command line with every arg quoted, secrets masked. The run then
 * gives the runner exactly those values and args.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { FAST_SIM_PROXY, writeExperiment } from './helpers.ts';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));
const cli = (args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: '1' }, extendEnv: false, reject: false, cwd: path.dirname(CLI) });

const SECRET = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz';

describe('agentab plan: the command runner\'s environment and command line', () => {
  test('shows the AGENTAB_* variables and the quoted args, masks secrets, and the run matches what it showed', async () => {
    const x = writeExperiment('', { t1: 'prompt: p\ncheck: "true"\n' });
    const out = path.join(x.dir, 'seen');
    writeFileSync(x.spec, `name: plancmd
runners:
  - name: cmd
    kind: command
    command: 'printenv AGENTAB_TASK AGENTAB_CONDITION AGENTAB_TASK_DIR AGENTAB_SPEC_DIR > ${out}-$AGENTAB_CONDITION; printf "[%s]\\\\n" >> ${out}-$AGENTAB_CONDITION'
    # the runner appends the args as "$@" to the command: printf gets them
    args: ['--msg', "it's \${HOME} & more"]
    env: { MY_API_KEY: ${SECRET}, PLAIN: hello }
conditions: [{ name: a }, { name: b, env: { X_TOKEN: tokenvalue123, MODE: fast } }]
tasks: tasks/*.yaml
reps: 1
${FAST_SIM_PROXY}`);
    const text = await cli(['plan', x.spec, '--out', x.out]);
    assert.equal(text.exitCode, 0, text.stderr);
    const taskDir = path.join(x.dir, 'tasks');
    assert.match(text.stdout, new RegExp(`^ {4}vars: {3}AGENTAB_TASK=t1 AGENTAB_CONDITION=a AGENTAB_TASK_DIR=${taskDir} AGENTAB_SPEC_DIR=${x.dir}$`, 'm'));
    assert.match(text.stdout, /^ {4}env: {4}X_TOKEN=<secret> MODE=fast$/m);
    assert.match(text.stdout, /^ {4}run: {4}\/bin\/sh -c '.*"\$@"' \/bin\/sh --msg 'it'\\''s \$\{HOME\} & more'$/m);
    assert.match(text.stdout, /^ {2}cmd: MY_API_KEY=<secret> PLAIN=hello .*AGENTAB_TASK_DIR=<task dir> AGENTAB_SPEC_DIR=/m);
    assert.match(text.stdout, /AGENTAB_API_KEY=<secret>/);
    for (const secret of [SECRET, 'tokenvalue123']) assert.ok(!text.stdout.includes(secret), `${secret} is not printed`);

    const json = await cli(['plan', x.spec, '--out', x.out, '--json']);
    assert.equal(json.exitCode, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as { runDir: string; commands: { condition: string; cellEnv: string[]; runner: string; env: string[] }[] };
    assert.equal(plan.commands.length, 2);
    assert.ok(!json.stdout.includes(SECRET));

    // the run gives the runner what the plan showed
    const run = await cli(['run-matrix', '--resume', plan.runDir, '--json']);
    assert.equal(run.exitCode, 0, run.stderr);
    for (const c of plan.commands) {
      const seen = readFileSync(`${out}-${c.condition}`, 'utf8').trim().split('\n');
      const vars = c.cellEnv.map((kv) => kv.slice(kv.indexOf('=') + 1));
      assert.deepEqual(seen.slice(0, 4), vars, `${c.condition}: the variables plan showed`);
      assert.deepEqual(seen.slice(4), ['[--msg]', "[it's ${HOME} & more]"], 'the args arrive as written, not re-parsed by the shell');
    }
  });
});
