/**
 * Where each cell's lines are in a run's spend log, so a cell page reads only its own calls
 * (a 10,000-cell run has a spend log of ~100 MB). Built once per version of the file by one
 * pass over its bytes that finds each line's `"cell":"…"` field without parsing the JSON;
 * the lines of one cell are parsed when that cell is opened.
 */
import { open, stat } from 'node:fs/promises';
import { parseSpendRecord, type SpendRecord } from '../proxy/spend/record.ts';

const CHUNK = 1 << 20;
const CELL_FIELD = Buffer.from('"cell":"');

export interface SpendIndex {
  stamp: string;
  /** Byte ranges [start, end) of each cell's lines, in file order. */
  ranges: Map<string, number[]>;
  backends: Set<string>;
  lines: number;
}

function cellOf(line: Buffer): string | null {
  const at = line.indexOf(CELL_FIELD);
  if (at === -1) return null;
  const start = at + CELL_FIELD.length;
  const end = line.indexOf(0x22, start);
  return end === -1 ? null : line.subarray(start, end).toString('latin1');
}

export async function buildSpendIndex(file: string): Promise<SpendIndex> {
  const info = await stat(file).catch(() => null);
  const index: SpendIndex = { stamp: info ? `${info.size}:${info.mtimeMs}` : 'missing', ranges: new Map(), backends: new Set(), lines: 0 };
  if (!info) return index;
  const handle = await open(file, 'r');
  try {
    let carry = Buffer.alloc(0);
    let carryAt = 0;
    const buf = Buffer.alloc(CHUNK);
    for (let pos = 0; pos < info.size; ) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      const base = carry.length ? carryAt : pos;
      let start = 0;
      for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
        const line = data.subarray(start, nl);
        const cell = cellOf(line);
        if (cell) {
          const list = index.ranges.get(cell) ?? [];
          list.push(base + start, base + nl);
          index.ranges.set(cell, list);
        }
        index.lines++;
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      carryAt = base + start;
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return index;
}

/** The spend records of one cell (lines that do not parse are skipped: a torn tail, a foreign line). */
export async function readCellCalls(file: string, index: SpendIndex, cell: string): Promise<SpendRecord[]> {
  const ranges = index.ranges.get(cell);
  if (!ranges) return [];
  const out: SpendRecord[] = [];
  const handle = await open(file, 'r');
  try {
    for (let i = 0; i < ranges.length; i += 2) {
      const start = ranges[i] as number;
      const end = ranges[i + 1] as number;
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      try {
        const rec = parseSpendRecord(JSON.parse(buf.toString('utf8')));
        if (rec) out.push(rec);
      } catch {
        /* not a complete record */
      }
    }
  } finally {
    await handle.close();
  }
  return out;
}
