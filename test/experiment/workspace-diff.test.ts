/** The workspace diff of a local cell: what the agent and the check changed, against the state setup left. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { cellDir } from '../../src/experiment/run-dir.ts';
import { silentLogger } from '../../src/util/log.ts';
import { assertDiffOfCell, DIFF_RUNNER_COMMAND, DIFF_TASK } from '../helpers/workspace-diff-cell.ts';
import { FAST_SIM_PROXY, writeExperiment } from './helpers.ts';

test('a local cell writes workspace.diff: edits, deletions and additions by the agent and the check, not setup, not node_modules', async () => {
  const x = writeExperiment(`name: wsdiff
runners: [{ name: cmd, kind: command, command: "${DIFF_RUNNER_COMMAND}" }]
conditions: [{ name: a }]
tasks: tasks/*.yaml
timeout: 60s
${FAST_SIM_PROXY}`, { t: DIFF_TASK });
  const r = await runMatrix({ spec: await loadExperiment(x.spec), outRoot: x.out, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, log: silentLogger });
  const rec = r.records[0]!;
  assert.equal(rec.outcome, 'pass', JSON.stringify(rec.runnerReported));
  assertDiffOfCell(readFileSync(path.join(cellDir(r.runDir, rec.cell), 'workspace.diff'), 'utf8'));
});
