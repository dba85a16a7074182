/**
 * Durable RunRecords. Each finished cell gets `cells/<id>/record.json` (temp file + fsync +
 * rename, so it is whole or absent) and then one line appended to `records.jsonl` (O_APPEND +
 * fsync). A SIGKILL between or during the two leaves either an orphan record.json or a torn
 * last line; opening the log repairs both, so a resumed run has every record exactly once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';
import { CELL_ID_PATTERN } from './cell-id.ts';
import { cellRecordPath, runPaths } from './run-dir.ts';
import { parseRunRecord, type RunRecord } from './run-record.ts';

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const h = await open(tmp, 'w', 0o644);
  try {
    await h.writeFile(content);
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

async function appendSynced(file: string, text: string): Promise<void> {
  const h = await open(file, 'a');
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
}

export interface RecordsFile {
  /** One per cell; a later line for the same cell replaces an earlier one (a canceled cell re-run by --resume). */
  records: RunRecord[];
  /** Lines that were not valid records (not counting a torn last line). */
  badLines: number;
  /** The file ended in a partial line (a crash mid-append). */
  tornTail: boolean;
  /** Byte length of the complete lines (where a torn tail starts). */
  validBytes: number;
  /** Lines dropped because a later line had the same cell. */
  duplicates: number;
  /** Those dropped lines: earlier attempts (canceled, or replaced by --retry), kept as history. */
  superseded: RunRecord[];
  /** 1-based line number and error of the first invalid line, if any. */
  firstBadLine?: number;
  firstBadError?: string;
}

/** Reads records.jsonl tolerantly (see RecordsFile). A missing file reads as empty. */
export async function readRecordsFile(file: string): Promise<RecordsFile> {
  const out: RecordsFile = { records: [], badLines: 0, tornTail: false, validBytes: 0, duplicates: 0, superseded: [] };
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  const byCell = new Map<string, RunRecord>();
  const keep = (rec: RunRecord): void => {
    const earlier = byCell.get(rec.cell);
    if (earlier) {
      out.duplicates++;
      out.superseded.push(earlier);
      byCell.delete(rec.cell); // keep insertion order of the latest line
    }
    byCell.set(rec.cell, rec);
  };
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    lineNo++;
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.toString('utf8', start, end).trim();
    const complete = nl !== -1;
    start = end + 1;
    if (!complete) {
      // no newline: the last append was cut short, unless the line happens to be whole
      let whole = false;
      if (line) {
        try {
          keep(parseRunRecord(JSON.parse(line)));
          whole = true;
        } catch {
          /* torn */
        }
      }
      out.tornTail = !whole && line !== '';
      if (whole) out.validBytes = buf.length;
      break;
    }
    out.validBytes = start;
    if (!line) continue;
    try {
      keep(parseRunRecord(JSON.parse(line)));
    } catch (e) {
      out.badLines++;
      if (out.firstBadLine === undefined) {
        out.firstBadLine = lineNo;
        out.firstBadError = (e as Error).message;
      }
    }
  }
  out.records = [...byCell.values()];
  return out;
}

/** The records of a run directory, one per cell (what a report should read). */
export async function readRunRecords(runDir: string): Promise<RunRecord[]> {
  return (await readRecordsFile(runPaths(runDir).records)).records;
}

export class RecordsLog {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly runDir: string,
    /** Cell id → its record, for cells already recorded. */
    readonly recorded: Map<string, RunRecord>,
    /** Added to every record's env as it is written (the machine's facts: VM, zone…). */
    private readonly env: Record<string, string | number> = {},
  ) {}

  /**
   * Opens (creating) the run's records log: cuts a torn last line, then appends the records
   * of cells whose record.json exists but whose line is missing.
   */
  static async open(runDir: string, o: { env?: Record<string, string | number> } = {}): Promise<RecordsLog & { repaired: number }> {
    const file = runPaths(runDir).records;
    const parsed = await readRecordsFile(file);
    if (parsed.tornTail) await truncate(file, parsed.validBytes);
    else if (parsed.validBytes > 0 && existsSync(file)) {
      // a whole last line without its newline: add it so the next append starts a new line
      const buf = await readFile(file);
      if (buf.length > 0 && buf[buf.length - 1] !== 0x0a) await appendSynced(file, '\n');
    }
    const recorded = new Map(parsed.records.map((r) => [r.cell, r]));
    const orphans: RunRecord[] = [];
    const cellsDir = runPaths(runDir).cells;
    for (const id of existsSync(cellsDir) ? await readdir(cellsDir) : []) {
      if (!CELL_ID_PATTERN.test(id)) continue;
      const f = cellRecordPath(runDir, id);
      let rec: RunRecord;
      try {
        rec = parseRunRecord(JSON.parse(await readFile(f, 'utf8')));
      } catch {
        continue; // absent (cell never finished) or unreadable
      }
      const known = recorded.get(rec.cell);
      if (!known || (known.outcome === 'canceled' && rec.outcome !== 'canceled')) orphans.push(rec);
    }
    if (orphans.length) await appendSynced(file, orphans.map((r) => JSON.stringify(r) + '\n').join(''));
    else if (!existsSync(file)) await appendSynced(file, '');
    for (const r of orphans) recorded.set(r.cell, r);
    const log = new RecordsLog(runDir, recorded, o.env) as RecordsLog & { repaired: number };
    log.repaired = orphans.length;
    return log;
  }

  /** Writes record.json, then appends the line; appends are serialised. Returns the record as written. */
  write(written: RunRecord): Promise<RunRecord> {
    const rec = Object.keys(this.env).length ? { ...written, env: { ...written.env, ...this.env } } : written;
    const p = this.chain.then(async () => {
      // a cell that never started (launcher error, remote infra) has no directory yet
      await mkdir(path.dirname(cellRecordPath(this.runDir, rec.cell)), { recursive: true });
      await writeFileAtomic(cellRecordPath(this.runDir, rec.cell), JSON.stringify(rec, null, 2) + '\n');
      await appendSynced(runPaths(this.runDir).records, JSON.stringify(rec) + '\n');
      this.recorded.set(rec.cell, rec);
      return rec;
    });
    this.chain = p.then(() => undefined, () => undefined);
    return p;
  }
}
