/**
 * `buildBundle(cellDir)`: a debug bundle of one cell, as a directory and a `.tar.gz` of it:
 *
 *   summary.json            outcome, metrics, decomposition, peers in the run
 *   profile_summary.json    span counts, time by component, per-tool totals, slowest spans
 *   debug_context.md        the account for a person or a coding agent (see debug-context.ts)
 *   transcript_excerpt.jsonl the runner's transcript, long strings cut with their sizes noted
 *   touched_files.json      files the agent read/wrote/edited, and the shell commands it ran
 *   spend.jsonl             the cell's spend lines
 *   trace.json              the cell's Chrome/Perfetto trace
 *   check.log, setup.log, stderr.log   tails of the cell's logs
 *
 * Every file goes through the project's secret scrubber (known secret values plus credential
 * shapes) before it is written.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { readRecordFile } from '../../report/load.ts';
import { createScrubber } from '../../util/scrub.ts';
import { loadCellSpans, runDirOfCell, type CellTimeline } from '../cell-spans.ts';
import { chromeTrace } from '../chrome-trace.ts';
import { debugContext } from './debug-context.ts';
import { logTail, transcriptExcerpt } from './excerpt.ts';
import { cellSummary, peerGroups, profileSummary, type CellSummary, type ProfileSummary } from './profile.ts';
import { touchedFiles } from './touched-files.ts';

export interface BundleOptions {
  /** Where the bundle directory and archive go (default: `<runDir>/debug`). */
  outDir?: string;
  /** Exact secret values to redact (API keys from the environment, the spec's secret variables). */
  secrets?: readonly (string | undefined | null)[];
}

export interface Bundle {
  /** The bundle directory. */
  dir: string;
  /** The `.tar.gz` of it. */
  archive: string;
  /** Files in the bundle, relative to `dir`. */
  files: string[];
  summary: CellSummary;
  profile: ProfileSummary;
}

const LOGS = ['check.log', 'setup.log', 'stderr.log'] as const;

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Peers' records from the run's records.jsonl (none when it cannot be read). */
async function runRecords(runDir: string, t: CellTimeline) {
  try {
    return await readRecordFile(path.join(runDir, 'records.jsonl'));
  } catch {
    return [t.record];
  }
}

export async function buildBundle(cellDir: string, o: BundleOptions = {}): Promise<Bundle> {
  const timeline = await loadCellSpans(cellDir);
  const runDir = runDirOfCell(cellDir);
  const cell = timeline.record.cell;
  const root = path.resolve(o.outDir ?? path.join(runDir, 'debug'));
  const name = `debug-${cell}`;
  const dir = path.join(root, name);
  const archive = path.join(root, `${name}.tar.gz`);
  const scrub = createScrubber(o.secrets ?? []);

  const peers = peerGroups(timeline.record, await runRecords(runDir, timeline));
  const summary = cellSummary(timeline, peers);
  const profile = profileSummary(timeline);
  const touched = touchedFiles(timeline.toolCalls);
  const transcript = (await readOptional(path.join(cellDir, 'transcript.jsonl'))) ?? '';

  const contents = new Map<string, string>();
  const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
  contents.set('summary.json', json(summary));
  contents.set('profile_summary.json', json(profile));
  contents.set('transcript_excerpt.jsonl', transcriptExcerpt(transcript));
  contents.set('touched_files.json', json(touched));
  contents.set('spend.jsonl', timeline.spend.map((r) => JSON.stringify(r)).join('\n') + (timeline.spend.length ? '\n' : ''));
  contents.set('trace.json', JSON.stringify(chromeTrace([timeline])) + '\n');
  for (const log of LOGS) {
    const text = await readOptional(path.join(cellDir, log));
    if (text !== undefined) contents.set(log, logTail(text));
  }
  const files = ['debug_context.md', ...contents.keys()];
  contents.set('debug_context.md', debugContext({ timeline, summary, profile, touched, files }));

  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [file, text] of contents) await writeFile(path.join(dir, file), scrub(text));
  const tar = await execa('tar', ['-C', root, '-czf', archive, name], { reject: false, stdin: 'ignore' });
  if (tar.exitCode !== 0) throw new Error(`could not write ${archive}: ${String(tar.stderr).trim().slice(0, 300)}`);
  return { dir, archive, files: files.sort(), summary, profile };
}
