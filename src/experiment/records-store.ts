/**
 * Durable RunRecords. Each finished cell gets `cells/<id>/record.json` (temp file + fsync +
 * rename, so it is whole or absent) and then one line appended to `records.jsonl` (O_APPEND +
 * fsync). A SIGKILL between or during the two leaves either an orphan record.json or a torn
 * last line; opening the log repairs both, so a resumed run has every record exactly once.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CELL_ID_PATTERN } from './cell-id.ts';
import { cellRecordPath, runPaths } from './run-dir.ts';
import { parseRunRecord, type RunRecord } from './run-record.ts';

const tempPathOf = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/**
 * The same, synchronously: for a process 'exit' handler, where nothing asynchronous runs
 * (a forced exit still leaves a whole file or the old one).
 */
export function writeFileAtomicSync(file: string, content: string): void {
  const tmp = tempPathOf(file);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = tempPathOf(file);
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

/**
 * Bytes read at a time. A million runs make a ~500 MB records.jsonl: read whole, that buffer
 * stayed alive until the next collection of the whole heap, after the analysis had allocated its
 * columns, and added ~0.3 GB to the peak RSS of `agentab report` (bench/PROFILE.md, fifth pass).
 * A line longer than this grows the buffer.
 */
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Reads records.jsonl tolerantly (see RecordsFile), a chunk at a time (`chunkBytes`, for tests).
 * A missing file reads as empty.
 */
export async function readRecordsFile(file: string, o: { chunkBytes?: number } = {}): Promise<RecordsFile> {
  const out: RecordsFile = { records: [], badLines: 0, tornTail: false, validBytes: 0, duplicates: 0, superseded: [] };
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
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
  let lineNo = 0;
  let buf = Buffer.allocUnsafe(o.chunkBytes ?? READ_CHUNK_BYTES);
  let filled = 0; // bytes of the file in buf
  let bufAt = 0; // file offset of buf[0]
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      const data = buf.subarray(0, filled);
      let start = 0;
      if (bytesRead > 0) {
        for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
          lineNo++;
          const line = data.toString('utf8', start, nl).trim();
          start = nl + 1;
          out.validBytes = bufAt + start;
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
        // the partial line left goes to the front (or, filling the whole buffer, into a larger one)
        const rest = data.subarray(start);
        if (start === 0 && filled === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
        else rest.copy(buf, 0);
        bufAt += start;
        filled = rest.length;
        continue;
      }
      // end of file: what is left has no newline — the last append was cut short, unless the line happens to be whole
      const line = data.toString('utf8').trim();
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
      if (whole) out.validBytes = bufAt + filled;
      break;
    }
  } finally {
    await handle.close();
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
