/**
 * The results layout of one run:
 *   results/<experiment>/<runId>/{plan.json, manifest.json, spend.jsonl, records.jsonl}
 *   results/<experiment>/<runId>/cells/<cellId>/{transcript.jsonl, stdout.log, stderr.log, record.json, …}
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const runPaths = (runDir: string) => ({
  plan: path.join(runDir, 'plan.json'),
  manifest: path.join(runDir, 'manifest.json'),
  spend: path.join(runDir, 'spend.jsonl'),
  records: path.join(runDir, 'records.jsonl'),
  cells: path.join(runDir, 'cells'),
});

export const cellDir = (runDir: string, cellId: string): string => path.join(runDir, 'cells', cellId);
export const cellRecordPath = (runDir: string, cellId: string): string => path.join(cellDir(runDir, cellId), 'record.json');

/** `20250101-120000-a1b2`: sortable by time, unique enough for parallel runs on one machine. */
export function newRunId(now: Date = new Date(), suffix: string = randomBytes(2).toString('hex')): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const d = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const t = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${d}-${t}-${suffix}`;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A run id given by the user (`--run-id`), as a directory name it can safely be. */
export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`run id ${JSON.stringify(runId)}: expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  return runId;
}

export function experimentDir(outRoot: string, experiment: string): string {
  return path.join(outRoot, experiment);
}
