/**
 * A synthetic big run for the viewer's benchmarks: `cells` cells made from a real pilot run's
 * records, spend lines and cell files (test/view/fixtures/pilot-a), cell ids and reps renumbered,
 * metrics jittered a little. Only the cells `opened` picks get cell directories.
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const FIXTURE = path.resolve(import.meta.dirname, '..', '..', 'test', 'view', 'fixtures', 'pilot-a');

export async function buildBigRun(root: string, cellCount: number, opened: (index: number) => boolean): Promise<{ dir: string; cells: string[] }> {
  const records = (await readFile(path.join(FIXTURE, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { cell: string; rep: number });
  const spend = (await readFile(path.join(FIXTURE, 'spend.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { cell: string; id: string });
  const runId = '20990101-000000-big0';
  const dir = path.join(root, 'pilot', runId);
  await mkdir(path.join(dir, 'cells'), { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(FIXTURE, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, runId, cells: cellCount }));
  const recordLines: string[] = [];
  const spendLines: string[] = [];
  const cells: string[] = [];
  const reps = Math.ceil(cellCount / records.length);
  const cellFiles = await readdir(path.join(FIXTURE, 'cells'));
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, r] of records.entries()) {
      if (cells.length >= cellCount) break;
      const cell = `${r.cell.slice(0, 6)}${String(rep).padStart(6, '0')}`;
      cells.push(cell);
      // jitter the metrics a little so the statistics have variance to chew on
      const f = 1 + (((rep * 7919 + i * 104729) % 1000) / 1000 - 0.5) * 0.2;
      recordLines.push(JSON.stringify({ ...r, runId, cell, rep: rep + 1, block: rep * 8 + (r.block as number ?? 0), wallMs: (r.wallMs as number) * f, modelMs: (r.modelMs as number) * f }));
      for (const s of spend) if (s.cell === r.cell) spendLines.push(JSON.stringify({ ...s, cell, run: runId, id: `${s.id}-${rep}` }));
      if (opened(cells.length - 1) && cellFiles.includes(r.cell)) await cp(path.join(FIXTURE, 'cells', r.cell), path.join(dir, 'cells', cell), { recursive: true });
    }
  }
  await writeFile(path.join(dir, 'spend.jsonl'), spendLines.join('\n') + '\n');
  await writeFile(path.join(dir, 'records.jsonl'), recordLines.join('\n') + '\n');
  return { dir, cells };
}

