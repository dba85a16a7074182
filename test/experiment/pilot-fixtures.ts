/** Fixtures for tests that plan the pilot experiment: its spec, resolved runners, and earlier records. */
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../../src/experiment/run-record.ts';

export const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));

/** The pilot's whole task suite, two interleaved reps: a plan with several tasks and blocks. */
export const PILOT_SUITE = { tasks: ['summarise-doc', 'fix-test', 'rename-function', 'write-file'], order: 'interleaved' as const, reps: 2 };

/** Runners as resolved on a machine that has both CLIs (nothing is executed). */
export const fakeRunners = {
  claude: { name: 'claude', kind: 'claude' as const, bin: '/opt/claude', version: '9.9.9' },
  opencode: { name: 'opencode', kind: 'opencode' as const, bin: '/opt/opencode', version: '8.8.8' },
};

/** A passing record of an earlier pilot run, overridden by `o`. */
export function pastRecord(o: Partial<RunRecord>): RunRecord {
  return {
    v: 1, experiment: 'pilot', runId: 'old', cell: 'x', runner: 'claude', runnerVersion: null, condition: 'baseline', task: 'write-file', rep: 1,
    launcher: 'local', host: 'h', startedAt: '2025-01-01T00:00:00Z', wallMs: 1000, exitCode: 0, outcome: 'pass', calls: 2,
    usage: { input: 100, output: 10, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, costUsd: 0.5, modelMs: 1, ttftMs: 1, overheadMs: 0, runnerReported: {}, env: {},
    ...o,
  };
}
