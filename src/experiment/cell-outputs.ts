/**
 * A cell's text outputs (stdout.log, stderr.log, transcript.jsonl, check.log, workspace.diff,
 * the runner's session logs) with every secret the run knows replaced by `[redacted]`, before
 * its record is read from them and before the viewer or a bundle can serve them: an agent that
 * prints its environment (or writes a key into a file) must not leave the key in the results.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { experimentSecrets } from '../config/config-secrets.ts';
import { secretValues } from '../config/env.ts';
import type { ExperimentSpec } from '../config/experiment-types.ts';
import { createScrubber, type Scrubber } from '../util/scrub.ts';

/** Outputs larger than this are left as they are (a scrub reads the whole file). */
const MAX_SCRUBBED_BYTES = 64 * 1024 * 1024;
const TEXT_FILE = /\.(log|jsonl|json|diff|txt|md|ya?ml)$/i;

/** The run's scrubber: secret-named variables of this process's environment, the spec's runners and conditions, and the proxy config's keys. */
export function runScrubber(spec: ExperimentSpec, env: Readonly<Record<string, string | undefined>>, configSecrets: readonly string[]): Scrubber {
  return createScrubber([...secretValues(env), ...experimentSecrets(spec), ...configSecrets]);
}

/** Scrubs every text file under a cell's directory in place; returns the files that held a secret. */
export async function scrubCellOutputs(cellDir: string, scrub: Scrubber): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(cellDir, { recursive: true })).map(String);
  } catch {
    return [];
  }
  const changed: string[] = [];
  for (const entry of entries) {
    if (!TEXT_FILE.test(entry)) continue;
    const file = path.join(cellDir, entry);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_SCRUBBED_BYTES) continue;
    const text = await readFile(file, 'utf8');
    const clean = scrub(text);
    if (clean === text) continue;
    await writeFile(file, clean);
    changed.push(entry);
  }
  return changed;
}
