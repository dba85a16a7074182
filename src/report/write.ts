/** Render a report in the requested formats and write them as report.<ext> into a directory. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../experiment/run-record.ts';
import { renderCsv, renderRunsCsv } from './csv.ts';
import { ReportError } from './errors.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import type { Report } from './model.ts';

/** `runs`: the tidy per-run CSV (runs.csv), one row per record; the others are report.<format>. */
export const FORMATS = ['md', 'html', 'json', 'csv', 'runs'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export function reportFileName(format: ReportFormat): string {
  return format === 'runs' ? 'runs.csv' : `report.${format}`;
}

export function parseFormats(text: string): ReportFormat[] {
  const out = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of out) {
    if (!(FORMATS as readonly string[]).includes(f)) {
      throw new ReportError(`unknown report format "${f}" (known: ${FORMATS.join(', ')})`, 'bad_option', { format: f });
    }
  }
  if (out.length === 0) throw new ReportError(`--format needs at least one of ${FORMATS.join(', ')}`, 'bad_option');
  return [...new Set(out)] as ReportFormat[];
}

/** `records` (the report's pooled records) are needed for the `runs` format only. */
export async function renderReport(report: Report, format: ReportFormat, records?: readonly RunRecord[]): Promise<string> {
  switch (format) {
    case 'runs':
      if (!records) throw new ReportError('the runs format needs the run records', 'bad_option');
      return renderRunsCsv(records);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'json':
      return renderJson(report);
    case 'csv':
      return renderCsv(report);
  }
}

/** Writes report.<format> files; returns the paths written. */
export async function writeReport(report: Report, formats: readonly ReportFormat[], dir: string, records?: readonly RunRecord[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const failed: string[] = [];
  // Each format on its own: one that fails (an HTML plot, a full disk) does not stop the others.
  for (const f of formats) {
    const path = join(dir, reportFileName(f));
    try {
      await writeFile(path, await renderReport(report, f, records));
      paths.push(path);
    } catch (e) {
      failed.push(`${f}: ${(e as Error).message}`);
    }
  }
  if (failed.length) {
    throw new ReportError(`could not write ${failed.length} report format(s): ${failed.join('; ')}${paths.length ? ` (written: ${paths.join(', ')})` : ''}`, 'write_failed', { failed, written: paths });
  }
  return paths;
}
