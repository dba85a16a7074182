/**
 * Comparisons on several threads (src/report/compare-parallel.ts) give the same report, to the
 * last bit, as on one: the same JSON for 1, 2 and 3 threads, with paired and independent arms,
 * a zero median (the absolute-difference path), a task without baseline runs and several runners.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { beginComparisons, compareOnThreads, type RunnerGroups } from '../../src/report/compare-parallel.ts';
import { groupRecords, type Grouped } from '../../src/report/group.ts';
import type { ReportOptions } from '../../src/report/model.ts';
import { resolveOptions } from '../../src/report/options.ts';
import { renderJson } from '../../src/report/json.ts';
import { loaded, record, synthRecords } from './fixtures.ts';

const TASKS = [
  { task: 'fix-bug', scale: 12_000 },
  { task: 'add-test', scale: 60_000 },
  { task: 'refactor', scale: 120_000 },
  { task: 'docs', scale: 30_000 },
];

function records(): RunRecord[] {
  const claude = synthRecords({ seed: 3, tasks: TASKS, conditions: { baseline: 1, 'with-docs': 0.8, 'no-mcp': 1.1 }, reps: 15 });
  const opencode = synthRecords({ seed: 4, tasks: TASKS, conditions: { baseline: 1, 'with-docs': 0.9, 'no-mcp': 1 }, reps: 12, runner: 'opencode', blocks: true });
  // a task only the condition ran (noted, not compared) and zero cost in one task (compared on the absolute scale)
  const extra = [0, 1, 2, 3, 4, 5].map((rep) => record({ runner: 'opencode', condition: 'with-docs', task: 'orphan', rep, cell: `orphan-${rep}` }));
  return [...claude, ...opencode, ...extra].map((r) => (r.task === 'docs' && r.runner === 'claude' ? { ...r, costUsd: 0 } : r));
}

/** Each runner's groups, as buildReport hands them to the comparisons. */
const byRunner = (grouped: Grouped): RunnerGroups[] => grouped.runners.map((runner) => ({ runner, groups: grouped.groups.filter((g) => g.runner === runner) }));

/** The fixture grouped for `opt`, and its comparisons on one thread, which every other way must reproduce. */
function compareSetup(opt: ReportOptions) {
  const pooled = loaded(records());
  const grouped = groupRecords(pooled.records, opt.metrics, opt.runs);
  const runners = byRunner(grouped);
  const conditions = [opt.baseline, ...grouped.conditions.filter((c) => c !== opt.baseline)];
  return { pooled, runners, conditions, sequential: compareOnThreads(runners, conditions, opt, { threads: 1 }) };
}

describe('report comparisons on several threads', () => {
  const saved = process.env['AGENTAB_REPORT_THREADS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['AGENTAB_REPORT_THREADS'];
    else process.env['AGENTAB_REPORT_THREADS'] = saved;
  });
  const reportWith = (threads: string): string => {
    process.env['AGENTAB_REPORT_THREADS'] = threads;
    return renderJson(buildReport(loaded(records()), { resamples: 2000, seed: 11 }));
  };

  test('1, 2 and 3 threads give byte-identical reports', () => {
    const one = reportWith('1');
    const parsed = JSON.parse(one) as { comparisons: { paired: boolean; absolute: unknown }[]; notes: string[]; headlines: unknown[] };
    // the fixture covers what the threads must agree on
    assert.ok(parsed.comparisons.some((c) => c.paired) && parsed.comparisons.some((c) => !c.paired), 'paired and independent arms');
    assert.ok(parsed.comparisons.some((c) => c.absolute !== null), 'a comparison on the absolute scale');
    assert.ok(parsed.notes.some((n) => n.includes('opencode/with-docs/orphan')), parsed.notes.join('\n'));
    assert.ok(parsed.headlines.length > 0);
    assert.equal(reportWith('2'), one);
    assert.equal(reportWith('3'), one);
  });

  test('units computed by a worker thread only are the same as computed on the main thread', () => {
    const opt = resolveOptions({ resamples: 2000, seed: 11 }, ['baseline', 'no-mcp', 'with-docs']);
    const { runners, conditions, sequential } = compareSetup(opt);
    const workersOnly = compareOnThreads(runners, conditions, opt, { threads: 2, mainThreadWorks: false });
    assert.equal(sequential.fromWorkers, 0);
    assert.equal(workersOnly.fromWorkers, TASKS.length * 2 + 1, 'every unit (runner × task) came from the worker');
    assert.deepStrictEqual(workersOnly.results, sequential.results);
  });

  test('groups whose columns are not in one shared buffer (copied for the workers) give the same results as the shared columns', () => {
    const pooled = loaded(records());
    const opt = resolveOptions({ resamples: 2000, seed: 11 }, ['baseline', 'no-mcp', 'with-docs']);
    const grouped = groupRecords(pooled.records, opt.metrics, opt.runs);
    assert.ok(grouped.groups.every((g) => g.values[0]?.buffer instanceof SharedArrayBuffer), 'groupRecords lays the columns out in a SharedArrayBuffer');
    const conditions = [opt.baseline, ...grouped.conditions.filter((c) => c !== opt.baseline)];
    const split = (copy: boolean) =>
      grouped.runners.map((runner) => ({
        runner,
        groups: grouped.groups
          .filter((g) => g.runner === runner)
          .map((g) => (copy ? { ...g, values: g.values.map((v) => v.slice()), blocks: g.blocks.slice(), sorted: [], sortSpace: undefined, logSorted: [], logSpace: undefined } : g)),
      }));
    const copied = split(true);
    assert.ok(copied.every((r) => r.groups.every((g) => !(g.values[0]?.buffer instanceof SharedArrayBuffer))));
    const shared = compareOnThreads(split(false), conditions, opt, { threads: 2, mainThreadWorks: false });
    const fromCopies = compareOnThreads(copied, conditions, opt, { threads: 2, mainThreadWorks: false });
    assert.equal(fromCopies.fromWorkers, TASKS.length * 2 + 1);
    assert.deepStrictEqual(fromCopies.results, shared.results);
  });

  test('with fewer resamples per task than per headline, a worker\'s units fold into the same headlines', () => {
    const opt = { ...resolveOptions({ resamples: 4000, seed: 11 }, ['baseline', 'no-mcp', 'with-docs']), taskResamples: 2000 };
    const { runners, conditions, sequential } = compareSetup(opt);
    const workersOnly = compareOnThreads(runners, conditions, opt, { threads: 2, mainThreadWorks: false });
    assert.equal(workersOnly.fromWorkers, TASKS.length * 2 + 1);
    assert.deepStrictEqual(workersOnly.results, sequential.results);
    const mixed = compareOnThreads(runners, conditions, opt, { threads: 2 });
    assert.deepStrictEqual(mixed.results, sequential.results);
  });

  test('comparisons begun before the cells: the other work runs once, on this thread, and the results are the same', () => {
    const opt = resolveOptions({ resamples: 2000, seed: 11 }, ['baseline', 'no-mcp', 'with-docs']);
    const { pooled, runners, conditions, sequential } = compareSetup(opt);
    for (const threads of ['1', '2']) {
      const fresh = groupRecords(pooled.records, opt.metrics, opt.runs); // nothing sorted yet
      const runners = byRunner(fresh);
      assert.ok(runners.every((r) => r.groups.every((g) => g.sorted.length === 0)));
      const comparing = beginComparisons(runners, opt, { AGENTAB_REPORT_THREADS: threads });
      let calls = 0;
      let sortedWhenCalled = false;
      const results = comparing.results(conditions, () => {
        calls++;
        // the workers' input is out: every group's values are sorted already
        sortedWhenCalled = runners.every((r) => r.groups.every((g) => opt.metrics.every((_, k) => g.sorted[k] !== undefined)));
      });
      comparing.close();
      comparing.close(); // a second close (the caller's finally) is harmless
      assert.equal(calls, 1, `${threads} threads: meanwhile ran once`);
      assert.equal(sortedWhenCalled, threads !== '1', `${threads} threads: groups sorted before meanwhile only when workers were given them`);
      assert.deepStrictEqual(results, sequential.results, `${threads} threads`);
    }
    // workers left to compare alone while this thread does its other work: they take every unit
    const workersOnly = compareOnThreads(runners, conditions, opt, { threads: 2, mainThreadWorks: false, meanwhile: () => {} });
    assert.equal(workersOnly.fromWorkers, TASKS.length * 2 + 1);
    assert.deepStrictEqual(workersOnly.results, sequential.results);
  });

  test('workers with one replicate slot each wait for this thread to add their units up, and the results are the same', () => {
    const opt = resolveOptions({ resamples: 2000, seed: 11 }, ['baseline', 'no-mcp', 'with-docs']);
    const { runners, conditions, sequential } = compareSetup(opt);
    const units = TASKS.length * 2 + 1;
    for (const mainThreadWorks of [false, true]) {
      const oneSlot = compareOnThreads(runners, conditions, opt, { threads: 3, mainThreadWorks, slotsPerWorker: 1 });
      assert.deepStrictEqual(oneSlot.results, sequential.results, `main thread works: ${mainThreadWorks}`);
      if (!mainThreadWorks) assert.equal(oneSlot.fromWorkers, units);
    }
    // while this thread does its other work, polling adds the workers' units up: with one slot
    // each they would stop after their first unit, yet every unit gets added up during it
    let addedUp = 0;
    const polled = compareOnThreads(runners, conditions, opt, {
      threads: 2, mainThreadWorks: false, slotsPerWorker: 1,
      meanwhile: (poll) => {
        const until = Date.now() + 60_000;
        while (addedUp < units && Date.now() < until) {
          addedUp = poll();
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        }
      },
    });
    assert.equal(addedUp, units, 'every unit added up by polling, during the other work');
    assert.deepStrictEqual(polled.results, sequential.results);
  });

  test('a bad AGENTAB_REPORT_THREADS is refused with the values it takes', () => {
    assert.throws(() => reportWith('many'), /AGENTAB_REPORT_THREADS must be a whole number ≥ 1 or "auto", got "many"/);
  });
});

test('idle cores: a core another process keeps busy is not idle, the time this process itself used is', { timeout: 60_000 }, async () => {
  const { coreClock, idleCoresNow, idleCoresSince } = await import('../../src/report/compare-parallel.ts');
  const { availableParallelism } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const cores = availableParallelism();
  const quiet = idleCoresNow(300);
  assert.ok(quiet >= 0 && quiet <= cores + 0.05, `idle ${quiet} of ${cores} cores`);
  // this thread busy through the window (as buildReport is, grouping): still ours to use
  const start = coreClock();
  const end = Date.now() + 300;
  while (Date.now() < end) {}
  const whileWorking = idleCoresSince(start, 0);
  assert.ok(whileWorking >= quiet - 0.6, `while this thread worked ${whileWorking.toFixed(2)} of ${cores} cores read idle, ${quiet.toFixed(2)} while it slept`);
  // another process that spins takes one core whatever else runs: at most cores − 1 stay idle
  const spinner = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end) {}'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const busy = idleCoresNow(300);
    assert.ok(busy <= cores - 0.7, `with a spinning process ${busy.toFixed(2)} of ${cores} cores read idle`);
  } finally {
    spinner.kill();
  }
});

/**
 * The packages (not node: built-ins) a fresh process loads when it imports `file` through tsx,
 * as seen by a module resolve hook: what a report worker thread pays to start.
 */
function packagesLoadedBy(file: string): string[] {
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const seen = new Set();
    port1.on('message', (specifier) => seen.add(specifier));
    register('data:text/javascript,' + encodeURIComponent('let port; export function initialize(data) { port = data.port; } export async function resolve(specifier, context, next) { port.postMessage(specifier); return next(specifier, context); }'), { data: { port: port2 }, transferList: [port2] });
    await import(process.env.AGENTAB_TEST_MODULE);
    await new Promise((resolve) => setTimeout(resolve, 100));
    port1.close();
    console.log(JSON.stringify([...seen]));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, AGENTAB_TEST_MODULE: pathToFileURL(file).href }, encoding: 'utf8' });
  const specifiers = JSON.parse(out.trim().split('\n').at(-1) as string) as string[];
  return [...new Set(specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('file:') && !s.startsWith('node:')).map((s) => s.split('/')[0] as string))].sort();
}

test('a report worker loads no package but simple-statistics (zod alone cost each worker ≈ 150 ms to start)', { timeout: 60_000 }, () => {
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  // the hook sees packages: run-record.ts, which the worker must not reach, loads zod
  assert.deepEqual(packagesLoadedBy(`${src}experiment/run-record.ts`), ['zod']);
  // compare-worker.ts reads its port at load (it exists only in a worker); these are all it imports
  for (const module of ['report/compare-parallel.ts', 'report/compare.ts']) {
    assert.deepEqual(packagesLoadedBy(`${src}${module}`), ['simple-statistics'], module);
  }
  const workerImports = readFileSync(`${src}report/compare-worker.ts`, 'utf8').match(/^import .* from '([^']+)';$/gm) ?? [];
  assert.deepEqual(workerImports.map((line) => line.replace(/.* from '([^']+)';$/, '$1')).sort(), ['./compare-parallel.ts', './compare.ts', 'node:worker_threads']);
});
