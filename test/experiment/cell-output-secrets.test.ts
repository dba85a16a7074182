/**
 * What an agent prints or writes keeps no secret: a condition's secret-named variable, echoed
 * to stdout and stderr and written into the workspace, is `[redacted]` in every output of the
 * cell (stdout.log, stderr.log, workspace.diff) once the run has recorded it; other output is
 * kept as it was, and the record is written as usual (through a real `agentab run-matrix`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { agentabCli as agentab, writeExperiment } from './helpers.ts';

const SECRET = 'ghp_FAKEfakeFAKEfakeFAKEfake0123456789';
const MY_KEY = 'FAKEMYKEY-99998888';

describe('secrets in a cell\'s outputs', () => {
  test('a condition\'s secrets echoed and written by the agent are redacted in the cell\'s files; the rest is kept', async () => {
    const x = writeExperiment(
      `name: leaky
runners: [{ name: sh, kind: command, command: 'env | sort; echo "token is $GITHUB_TOKEN" >&2; echo "$MY_API_KEY" > leaked.txt; echo plain-output-kept' }]
conditions: [{ name: a, env: { GITHUB_TOKEN: "${SECRET}", MY_API_KEY: "${MY_KEY}" } }]
tasks: tasks/*.yaml
reps: 1
`,
      { t: 'prompt: p\ncheck: "true"\n' },
    );
    const ran = await agentab(['run-matrix', x.spec, '--out', x.out, '--json']);
    assert.equal(ran.exitCode, 0, ran.stderr);
    const out = JSON.parse(ran.stdout) as { runDir: string; records: Array<{ outcome: string }> };
    assert.equal(out.records[0]?.outcome, 'pass');
    const cells = path.join(out.runDir, 'cells');
    const [cell] = readdirSync(cells);
    const files = Object.fromEntries(['stdout.log', 'stderr.log', 'workspace.diff'].map((f) => [f, readFileSync(path.join(cells, cell!, f), 'utf8')]));
    for (const [name, text] of Object.entries(files)) {
      assert.ok(!text.includes(SECRET) && !text.includes(MY_KEY), `${name} holds no secret:\n${text}`);
    }
    assert.match(files['stdout.log']!, /GITHUB_TOKEN=\[redacted\]/);
    assert.match(files['stdout.log']!, /plain-output-kept/);
    assert.match(files['stderr.log']!, /token is \[redacted\]/);
    assert.match(files['workspace.diff']!, /leaked\.txt/);
    assert.match(files['workspace.diff']!, /\[redacted\]/);
  });
});
