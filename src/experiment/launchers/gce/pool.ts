/**
 * Pooling: a finished cell's objects under `shard-<i>/cells/<id>/` (GCE-CONTRACT.md §4;
 * record.json is uploaded last, so its presence means the rest is there) are copied into the
 * local run directory — logs into cells/<id>/, spend lines appended to spend.jsonl once each —
 * so `agentab report` reads a GCE run exactly like a local one.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { iterSpendLog } from '../../../proxy/spend/reader.ts';
import { parseSpendRecord, type SpendRecord } from '../../../proxy/spend/record.ts';
import { cellDir, runPaths } from '../../run-dir.ts';
import { parseRunRecord, type RunRecord } from '../../run-record.ts';
import { CELL_ID_PATTERN } from '../../cell-id.ts';
import type { StorageApi } from './storage-api.ts';

/** A record object found in a listing: `<prefix>/shard-<i>/cells/<id>/record.json` (at any depth of resume-<k>/). */
export interface FoundRecord {
  cellId: string;
  shard: number;
  /** `<…>/shard-<i>/cells/<id>/` */
  cellPrefix: string;
}

const RECORD_OBJECT = /(?:^|\/)shard-(\d+)\/cells\/([^/]+)\/record\.json$/;

/** Record objects in a listing, by cell id, in listing order (a cell re-run by a later job has several). */
export function findRecords(names: readonly string[]): Map<string, FoundRecord[]> {
  const out = new Map<string, FoundRecord[]>();
  for (const name of names) {
    const m = RECORD_OBJECT.exec(name);
    if (!m || !CELL_ID_PATTERN.test(m[2]!)) continue;
    const list = out.get(m[2]!) ?? [];
    list.push({ cellId: m[2]!, shard: Number(m[1]), cellPrefix: name.slice(0, -'record.json'.length) });
    out.set(m[2]!, list);
  }
  return out;
}

/** Spend ids already in the local spend log (so a re-pooled cell adds no duplicates). */
export async function loadSpendIds(runDir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const r of iterSpendLog(runPaths(runDir).spend, undefined, { missingOk: true })) ids.add(r.id);
  return ids;
}

export interface PoolInput {
  storage: StorageApi;
  bucket: string;
  /** Every object name of the latest listing. */
  names: readonly string[];
  found: FoundRecord;
  runDir: string;
  runId: string;
  spendIds: Set<string>;
  /** Added to the record's env (the job, the shard). */
  env: Record<string, string | number>;
}

export async function poolCell(i: PoolInput): Promise<{ record: RunRecord; spend: SpendRecord[] }> {
  const { found } = i;
  const local = cellDir(i.runDir, found.cellId);
  await mkdir(local, { recursive: true });
  let spend: SpendRecord[] = [];
  let recordText = '';
  for (const name of i.names) {
    if (!name.startsWith(found.cellPrefix)) continue;
    const rel = name.slice(found.cellPrefix.length);
    if (!rel || rel.split('/').some((p) => p === '..' || p === '')) continue;
    const data = await i.storage.download(i.bucket, name);
    if (rel === 'record.json') recordText = data.toString('utf8');
    else if (rel === 'spend.jsonl') {
      spend = data
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          try {
            return parseSpendRecord(JSON.parse(l));
          } catch {
            return null;
          }
        })
        .filter((r): r is SpendRecord => r !== null && r.cell === found.cellId);
    } else {
      const dest = path.join(local, rel);
      await mkdir(path.dirname(dest), { recursive: true });
      await writeFile(dest, data);
    }
  }
  const raw = JSON.parse(recordText) as unknown;
  const remote = parseRunRecord(raw);
  if (remote.cell !== found.cellId) throw new Error(`${found.cellPrefix}record.json is the record of cell ${remote.cell}`);
  const record: RunRecord = { ...remote, runId: i.runId, launcher: 'gce', env: { ...remote.env, ...i.env } };
  const fresh = spend.filter((s) => !i.spendIds.has(s.id));
  if (fresh.length) {
    await appendFile(runPaths(i.runDir).spend, fresh.map((s) => JSON.stringify(s) + '\n').join(''));
    for (const s of fresh) i.spendIds.add(s.id);
  }
  return { record, spend };
}
