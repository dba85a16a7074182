/**
 * Reads `spend.jsonl`. Tolerant by design: the proxy may have died mid-append (a torn LAST
 * line), a line may be foreign or corrupt (skipped and counted), and the exit path of the
 * writer is at-least-once (duplicate ids are dropped, first one wins).
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SpendLogError } from './errors.ts';
import { parseSpendRecord, type SpendRecord } from './record.ts';

export interface SpendLogStats {
  /** Lines that were not spend records (bad JSON in the middle, or failing the schema). */
  badLines: number;
  /** The last line was cut short (not valid JSON): a crash mid-write. Not counted in badLines. */
  tornTail: boolean;
  /** Records dropped because an earlier line had the same id. */
  duplicates: number;
}

export interface ReadSpendLogOptions {
  /** A missing file reads as empty instead of throwing `not_found`. */
  missingOk?: boolean;
}

export interface SpendLogContents extends SpendLogStats {
  records: SpendRecord[];
}

export const emptySpendLogStats = (): SpendLogStats => ({ badLines: 0, tornTail: false, duplicates: 0 });

/**
 * Streams the records of a spend log (readline over a file stream, so memory stays flat for
 * large logs). Counts go into `stats`, complete once iteration has finished.
 */
export async function* iterSpendLog(
  path: string,
  stats: SpendLogStats = emptySpendLogStats(),
  opts: ReadSpendLogOptions = {},
): AsyncGenerator<SpendRecord> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.missingOk) return;
    throw new SpendLogError(
      code === 'ENOENT' ? `spend log not found: ${path}` : `could not open the spend log ${path}`,
      code === 'ENOENT' ? 'not_found' : 'read_failed',
      { path },
      e,
    );
  }
  const stream = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const seen = new Set<string>();
  // A line that is not JSON is torn if it is the last one, bad if anything follows it.
  let unparsedPending = false;
  try {
    for await (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      if (unparsedPending) stats.badLines++;
      unparsedPending = false;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        unparsedPending = true;
        continue;
      }
      const rec = parseSpendRecord(value);
      if (!rec) {
        stats.badLines++;
        continue;
      }
      if (seen.has(rec.id)) {
        stats.duplicates++;
        continue;
      }
      seen.add(rec.id);
      yield rec;
    }
    stats.tornTail = unparsedPending;
  } catch (e) {
    throw new SpendLogError(`could not read the spend log ${path}`, 'read_failed', { path }, e);
  } finally {
    lines.close();
    stream.destroy();
    await handle.close().catch(() => undefined);
  }
}

/** Reads a whole spend log into memory. */
export async function readSpendLog(path: string, opts: ReadSpendLogOptions = {}): Promise<SpendLogContents> {
  const stats = emptySpendLogStats();
  const records: SpendRecord[] = [];
  for await (const rec of iterSpendLog(path, stats, opts)) records.push(rec);
  return { records, ...stats };
}
