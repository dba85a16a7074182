/** Runs the load generator (load-worker.ts) in its own process and validates its answer. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LoadResults, LoadSpec, type LoadResult } from './load-spec.ts';
import { REPO_ROOT } from './targets.ts';

const run = promisify(execFile);
const WORKER = join(REPO_ROOT, 'bench', 'lib', 'load-worker.ts');

export class LoadError extends Error {
  readonly code = 'BENCH_LOAD';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoadError';
  }
}

/** Runs one spec; one result per target, in the spec's order. */
export async function runLoadProcess(spec: LoadSpec): Promise<LoadResult[]> {
  const checked = LoadSpec.parse(spec);
  // The worker's own time cap bounds the run; this is only a backstop against a hang. Generous:
  // on a loaded machine each round also waits for its in-flight requests (seconds each at c=100).
  const perTarget = checked.rounds * checked.roundMaxDurationMs + checked.warmupMaxDurationMs;
  const timeout = 3 * checked.targets.length * perTarget + 120_000;
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(checked)], {
      cwd: REPO_ROOT,
      timeout,
      maxBuffer: 1 << 24, // results carry up to TOTAL_SAMPLE_MAX latencies per target
    }));
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new LoadError(`load generator failed: ${err.message}${err.stderr ? `\n${err.stderr.slice(-2000)}` : ''}`, { cause: e });
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed = LoadResults.safeParse(JSON.parse(line));
  if (!parsed.success) throw new LoadError(`load generator printed an unexpected result: ${parsed.error.message}`);
  return parsed.data;
}
