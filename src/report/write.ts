/** Render a report in the requested formats and write them as report.<ext> into a directory. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCsv } from './csv.ts';
import { ReportError } from './errors.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import type { Report } from './model.ts';

export const FORMATS = ['md', 'html', 'json', 'csv'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export function parseFormats(text: string): ReportFormat[] {
  const out = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of out) {
    if (!(FORMATS as readonly string[]).includes(f)) {
      throw new ReportError(`unknown report format "${f}" (known: ${FORMATS.join(', ')})`, 'bad_option', { format: f });
    }
  }
  if (out.length === 0) throw new ReportError('--format needs at least one of md, html, json, csv', 'bad_option');
  return [...new Set(out)] as ReportFormat[];
}

export async function renderReport(report: Report, format: ReportFormat): Promise<string> {
  switch (format) {
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
export async function writeReport(report: Report, formats: readonly ReportFormat[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const failed: string[] = [];
  // Each format on its own: one that fails (an HTML plot, a full disk) does not stop the others.
  for (const f of formats) {
    const path = join(dir, `report.${f}`);
    try {
      await writeFile(path, await renderReport(report, f));
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
