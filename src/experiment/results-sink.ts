/**
 * A results sink mirrors a run directory somewhere else while the run goes on, so a shard
 * running on a GCE VM loses nothing when the VM goes away: `agentab run-matrix
 * --results-uri gs://…/shard-<i>` uploads each cell as soon as its record is written.
 *
 * Per finished cell, in this order (GCE-CONTRACT.md §4):
 *   1. cells/<id>/… every file of the cell dir but record.json (logs, transcript, …)
 *   2. cells/<id>/spend.jsonl, the cell's own spend lines
 *   3. cells/<id>/record.json, LAST: its presence means "this cell is done and complete"
 * The shard's records.jsonl, spend.jsonl and manifest.json follow at most every
 * `runFilesEveryMs` and at close (informational; they may lag).
 *
 * An upload that still fails after the client's retries is kept and tried again after the
 * next cell and at close, never failing the run; `restore` brings back the records a
 * previous attempt of the same shard uploaded (Batch retried the task), so only the cells
 * without one run again.
 */
import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GcsPrefix, isNotFound } from '../cloud/gcs.ts';
import type { Logger } from '../util/log.ts';
import { CELL_ID_PATTERN } from './cell-id.ts';
import { cellDir, cellRecordPath, runPaths } from './run-dir.ts';
import type { RunRecord } from './run-record.ts';
import { insideDir } from './workspace.ts';

export interface ResultsSink {
  /** Where the results go (for messages). */
  readonly target: string;
  /** Before the run: binds the sink to `runDir` and copies the records already mirrored into it; returns how many. */
  open(runDir: string): Promise<number>;
  /** A cell's record was written to the run dir: mirror the cell. Never throws. */
  cellRecorded(rec: RunRecord): Promise<void>;
  /** The run ended (also on Ctrl-C or a crash): mirror the run files, retry what failed. */
  close(): Promise<void>;
}

/** Reads spend.jsonl as it grows and keeps each cell's lines (raw, as the proxy wrote them). */
class SpendTail {
  private offset = 0;
  private partial = '';
  private readonly byCell = new Map<string, string[]>();

  constructor(private readonly file: string) {}

  /** Skips what the file holds now (lines of an earlier attempt, restored). */
  async skipExisting(): Promise<void> {
    this.offset = existsSync(this.file) ? (await stat(this.file)).size : 0;
  }

  async take(cellId: string): Promise<string[]> {
    await this.readNew();
    const lines = this.byCell.get(cellId) ?? [];
    this.byCell.delete(cellId);
    return lines;
  }

  private async readNew(): Promise<void> {
    if (!existsSync(this.file)) return;
    const h = await open(this.file, 'r');
    try {
      const size = (await h.stat()).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      await h.read(buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        let cell: unknown;
        try {
          cell = (JSON.parse(line) as { cell?: unknown }).cell;
        } catch {
          continue;
        }
        if (typeof cell !== 'string') continue;
        const list = this.byCell.get(cell) ?? [];
        list.push(line);
        this.byCell.set(cell, list);
      }
    } finally {
      await h.close();
    }
  }
}

async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else if (entry.isFile()) out.push(r);
  }
  return out;
}

const contentTypeOf = (file: string) => (file.endsWith('.json') ? 'application/json' : file.endsWith('.jsonl') ? 'application/x-ndjson' : 'text/plain; charset=utf-8');

export interface GcsSinkOptions {
  prefix: GcsPrefix;
  log: Logger;
  /** Least time between uploads of the run-level files (default 30 s). */
  runFilesEveryMs?: number;
  /** Files uploaded at once within a cell (default 4). */
  parallel?: number;
}

type Upload = { rel: string; local: string } | { rel: string; data: string };

/** Mirrors a run dir to a Cloud Storage prefix (see the file comment). */
export class GcsResultsSink implements ResultsSink {
  readonly target: string;
  private runDir = '';
  private spend = new SpendTail('');
  /** Cells uploaded one after another, so a cell's record.json always follows its files. */
  private chain: Promise<void> = Promise.resolve();
  /** Uploads that failed after the client's retries, by object name (latest wins). */
  private readonly pending = new Map<string, Upload[]>();
  private lastRunFiles = 0;

  constructor(private readonly o: GcsSinkOptions) {
    this.target = o.prefix.toString();
  }

  async open(runDir: string): Promise<number> {
    this.runDir = runDir;
    this.spend = new SpendTail(runPaths(runDir).spend);
    let objects;
    try {
      objects = await this.o.prefix.list('cells/');
    } catch (e) {
      if (isNotFound(e)) throw new Error(`${this.target}: the bucket does not exist (create it with vm/provision.sh)`);
      throw new Error(`${this.target}: cannot list the results already uploaded: ${(e as Error).message}`, { cause: e });
    }
    const records = objects.filter((x) => /^cells\/[^/]+\/record\.json$/.test(x.rel) && CELL_ID_PATTERN.test(x.rel.split('/')[1]!));
    for (const x of records) await this.o.prefix.downloadTo(x.rel, insideDir(runDir, x.rel));
    // the shard's spend log so far, so the mirrored one keeps an earlier attempt's lines
    if (records.length && (await this.o.prefix.exists('spend.jsonl'))) await this.o.prefix.downloadTo('spend.jsonl', runPaths(runDir).spend);
    await this.spend.skipExisting();
    return records.length;
  }

  cellRecorded(rec: RunRecord): Promise<void> {
    const p = this.chain.then(() => this.mirrorCell(rec));
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    if (!this.runDir) return;
    await this.chain;
    await this.retryPending();
    await this.mirrorRunFiles(true);
    if (this.pending.size) this.o.log.warn(`${this.pending.size} result upload(s) to ${this.target} failed; they are in the local run dir ${this.runDir}`, { objects: [...this.pending.keys()].slice(0, 10) });
  }

  private async mirrorCell(rec: RunRecord): Promise<void> {
    const dir = cellDir(this.runDir, rec.cell);
    const files = existsSync(dir) ? (await filesUnder(dir)).filter((f) => f !== 'record.json' && f !== 'spend.jsonl') : [];
    const spendLines = await this.spend.take(rec.cell);
    const base = `cells/${rec.cell}`;
    const steps: Upload[][] = [
      files.map((f) => ({ rel: `${base}/${f}`, local: path.join(dir, f) })),
      [{ rel: `${base}/spend.jsonl`, data: spendLines.map((l) => l + '\n').join('') }],
      [{ rel: `${base}/record.json`, local: cellRecordPath(this.runDir, rec.cell) }],
    ];
    await this.retryPending();
    // a step runs only when every earlier one landed: record.json must never precede its files
    let failed = false;
    for (const step of steps) {
      if (failed) {
        this.keep(base, step);
        continue;
      }
      const errors = await this.uploadAll(step);
      if (errors.length) {
        failed = true;
        this.keep(base, step);
        this.o.log.warn(`could not upload cell ${rec.cell} to ${this.target}; will retry`, { error: errors[0] });
      }
    }
    await this.mirrorRunFiles(false);
  }

  private keep(cellBase: string, step: Upload[]): void {
    const list = this.pending.get(cellBase) ?? [];
    list.push(...step);
    this.pending.set(cellBase, list);
  }

  private async retryPending(): Promise<void> {
    for (const [key, uploads] of [...this.pending]) {
      const errors: string[] = [];
      // in order, stopping at the first failure (keeps record.json last)
      let i = 0;
      for (; i < uploads.length; i++) {
        const e = await this.uploadAll([uploads[i]!]);
        if (e.length) {
          errors.push(...e);
          break;
        }
      }
      if (i === uploads.length) this.pending.delete(key);
      else this.pending.set(key, uploads.slice(i));
    }
  }

  /** Uploads in parallel batches; returns the error messages (empty: all landed). */
  private async uploadAll(uploads: Upload[]): Promise<string[]> {
    const errors: string[] = [];
    const parallel = this.o.parallel ?? 4;
    for (let i = 0; i < uploads.length; i += parallel) {
      await Promise.all(
        uploads.slice(i, i + parallel).map(async (u) => {
          try {
            if ('local' in u) await this.o.prefix.uploadFile(u.rel, u.local, contentTypeOf(u.rel));
            else await this.o.prefix.save(u.rel, u.data, contentTypeOf(u.rel));
          } catch (e) {
            errors.push(`${u.rel}: ${(e as Error).message}`);
          }
        }),
      );
    }
    return errors;
  }

  private async mirrorRunFiles(force: boolean): Promise<void> {
    const every = this.o.runFilesEveryMs ?? 30_000;
    if (!force && Date.now() - this.lastRunFiles < every) return;
    this.lastRunFiles = Date.now();
    const p = runPaths(this.runDir);
    const files = [p.records, p.spend, p.manifest, p.plan].filter((f) => existsSync(f));
    const errors = await this.uploadAll(files.map((f) => ({ rel: path.basename(f), local: f })));
    if (errors.length) this.o.log.warn(`could not upload the run files to ${this.target}`, { error: errors[0] });
  }
}
