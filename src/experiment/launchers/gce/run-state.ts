/**
 * gce.json in a run directory: the Batch jobs this run submitted (name, results URI, shards),
 * so `--resume` can re-attach to a job that is still running or submit only what is left.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../records-store.ts';

export const RunJobSchema = z.object({
  name: z.string(),
  jobId: z.string(),
  runUri: z.string(),
  submittedAt: z.string(),
  shards: z.array(z.array(z.string())),
});
export type RunJob = z.infer<typeof RunJobSchema>;

const GceStateSchema = z.object({ v: z.literal(1), jobs: z.array(RunJobSchema) });
export type GceState = z.infer<typeof GceStateSchema>;

export const gceStatePath = (runDir: string): string => path.join(runDir, 'gce.json');

export async function readGceState(runDir: string): Promise<GceState> {
  let text: string;
  try {
    text = await readFile(gceStatePath(runDir), 'utf8');
  } catch {
    return { v: 1, jobs: [] };
  }
  const r = GceStateSchema.safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`${gceStatePath(runDir)}: invalid: ${r.error.issues[0]?.message}`);
  return r.data;
}

export async function writeGceState(runDir: string, s: GceState): Promise<void> {
  await writeFileAtomic(gceStatePath(runDir), JSON.stringify(s, null, 2) + '\n');
}
