/**
 * A run's staging directory on the host (agentab-ct-<runId> under the OS temp dir) names
 * its owner, so `agentab clean` can tell a dead run's leftovers from a live run's.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export const WORK_ROOT_PREFIX = 'agentab-ct-';
const OWNER_FILE = '.agentab-owner.json';

const OwnerSchema = z.object({ runId: z.string(), pid: z.number().int(), host: z.string() });
export type Owner = z.infer<typeof OwnerSchema>;

export async function writeOwner(dir: string, runId: string): Promise<void> {
  const owner: Owner = { runId, pid: process.pid, host: os.hostname() };
  await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(owner) + '\n');
}

export interface WorkRoot {
  dir: string;
  owner?: Owner;
}

/** The container launcher's staging dirs under `tmp`, with their owners when readable. */
export async function listWorkRoots(tmp: string = os.tmpdir()): Promise<WorkRoot[]> {
  let names: string[];
  try {
    names = await readdir(tmp);
  } catch {
    return [];
  }
  const out: WorkRoot[] = [];
  for (const n of names.filter((x) => x.startsWith(WORK_ROOT_PREFIX))) {
    const dir = path.join(tmp, n);
    try {
      const owner = OwnerSchema.parse(JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')));
      out.push({ dir, owner });
    } catch {
      out.push({ dir });
    }
  }
  return out;
}
