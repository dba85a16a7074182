/**
 * The real Codex CLI and Gemini CLI (from npm) through run-matrix on the simulator: the
 * pilot's four tasks, every cell must pass its check, every call must be attributed to its
 * cell on the alias, and each cell's spend lines must add up exactly to the usage the CLI
 * itself counted from the answers it received (turn.completed / result stats).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { runMatrix } from '../../src/experiment/orchestrator.ts';
import { runPaths } from '../../src/experiment/run-dir.ts';
import { readSpendLog } from '../../src/proxy/spend/reader.ts';
import { silentLogger } from '../../src/util/log.ts';
import { tempDir } from '../experiment/helpers.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('codex and gemini runners on the pilot', () => {
  test('every task passes; spend lines per cell equal what each CLI counted', { timeout: 900_000 }, async () => {
    const spec = await loadExperiment(PILOT, { runners: ['codex', 'gemini'], conditions: ['baseline'], tasks: ['write-file', 'fix-test', 'rename-function', 'summarise-doc'], reps: 1 });
    const r = await runMatrix({ spec, outRoot: tempDir(), env, log: silentLogger });
    assert.equal(r.records.length, 8, JSON.stringify({ stoppedBy: r.stoppedBy, records: r.records.map((x) => [x.runner, x.task, x.outcome, x.runnerReported.error]) }));
    const spend = (await readSpendLog(runPaths(r.runDir).spend)).records;
    assert.ok(spend.every((s) => s.alias === 'shared-model'), 'no call escaped to another model');
    assert.ok(spend.every((s) => r.records.some((rec) => rec.cell === s.cell)), 'every call is attributed to a cell of the run');
    for (const rec of r.records) {
      const what = `${rec.runner}/${rec.task}`;
      assert.equal(rec.outcome, 'pass', `${what}: ${JSON.stringify(rec.runnerReported)}`);
      assert.match(rec.runnerVersion ?? '', /^\d+\.\d+\.\d+/);
      const mine = spend.filter((s) => s.cell === rec.cell);
      assert.ok(mine.length >= 2, `${what}: ${mine.length} calls`);
      assert.ok(mine.every((s) => s.surface === (rec.runner === 'codex' ? 'openai-responses' : 'gemini') && s.status === 200), what);
      const sum = (k: 'input' | 'output' | 'cacheRead') => mine.reduce((a, s) => a + s.usage[k], 0);
      const reported = rec.runnerReported.usage as { input: number; output: number; cacheRead: number } | undefined;
      assert.ok(reported, `${what}: the CLI reported its usage`);
      assert.deepEqual({ input: sum('input'), output: sum('output'), cacheRead: sum('cacheRead') }, { input: reported.input, output: reported.output, cacheRead: reported.cacheRead }, what);
      assert.deepEqual({ input: rec.usage.input, output: rec.usage.output }, { input: sum('input'), output: sum('output') }, `${what}: the record joins its lines`);
    }
  });
});
