/** `agentab report` through commander, on record files in a temp directory. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerReportCommand } from '../../src/cli/commands/report.ts';
import { synthRecords } from './fixtures.ts';
import { resolveOptions } from '../../src/report/options.ts';

function program(): Command {
  const p = new Command('agentab').exitOverride();
  registerReportCommand(p);
  return p;
}

describe('agentab report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentab-cli-'));
    const recs = synthRecords({ seed: 6, tasks: [{ task: 't1', scale: 5000 }, { task: 't2', scale: 20_000 }], conditions: { baseline: 1, fast: 0.7 }, reps: 6 });
    await writeFile(join(dir, 'records.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes the requested formats into --out', async () => {
    const out = join(dir, 'out');
    await program().parseAsync(['node', 'agentab', 'report', dir, '--format', 'md,json,csv', '--metric', 'wall,cost', '--threshold', '10%', '--seed', '4', '--resamples', '2000', '--out', out]);
    assert.deepEqual((await readdir(out)).sort(), ['report.csv', 'report.json', 'report.md']);
    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { options: Record<string, unknown> };
    assert.deepEqual(json.options, { baseline: 'baseline', metrics: ['wall', 'cost'], threshold: 0.1, alpha: 0.05, confidence: 0.95, power: 0.8, seed: 4, resamples: 2000, taskResamples: 2000, runs: 'passing' });
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /^# agentab report: pilot/);
  });

  test('bad options are refused with the value received', async () => {
    await assert.rejects(program().parseAsync(['node', 'agentab', 'report', dir, '--threshold', 'lots']), /"lots"/);
    await assert.rejects(program().parseAsync(['node', 'agentab', 'report', dir, '--metric', 'wall,vibes']), /unknown metric "vibes"/);
    // a metric may be named as the report prints it: `cache-read`, `wall time`
    assert.deepEqual(resolveOptions({ metrics: ['cache-read', 'wall time', 'Cost'] }, ['baseline', 'c1']).metrics, ['cacheRead', 'wall', 'cost']);
    await assert.rejects(program().parseAsync(['node', 'agentab', 'report', dir, '--format', 'md,pdf']), /unknown report format "pdf"/);
    await assert.rejects(program().parseAsync(['node', 'agentab', 'report', dir, '--format', 'md,json']), /need --out/);
    await assert.rejects(program().parseAsync(['node', 'agentab', 'report', dir, '--resamples', '10']), /resamples/);
  });
});
