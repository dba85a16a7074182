/**
 * A cell's whole timeline, assembled from what a run directory keeps: the RunRecord (phases),
 * the spend lines of the cell (model calls and the proxy's phases) and the runner's transcript
 * (tool calls). `buildCellTimeline` is pure; `loadCellSpans` reads a cell directory.
 *
 * Results viewer and bundles reuse these: `loadCellSpans(cellDir)` gives everything a
 * timeline view needs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRunRecord, type Decomposition, type RunRecord } from '../experiment/run-record.ts';
import { iterSpendLog } from '../proxy/spend/reader.ts';
import type { SpendRecord } from '../proxy/spend/record.ts';
import { decompose } from './decompose.ts';
import { modelSpans } from './model-spans.ts';
import { phaseSpans } from './phase-spans.ts';
import { sortSpans, type Span } from './span.ts';
import { toolCallsOf, type ToolCall } from './tool-calls.ts';
import { toolSpans } from './tool-spans.ts';

export interface CellTimeline {
  record: RunRecord;
  /** Every span of the cell, in start order. */
  spans: Span[];
  /** The transcript's tool calls (with inputs and outputs, for bundles). */
  toolCalls: ToolCall[];
  /** The cell's spend lines (model calls and other proxy requests), in time order. */
  spend: SpendRecord[];
  decomposition: Decomposition;
}

export interface TimelineInput {
  record: RunRecord;
  spend: readonly SpendRecord[];
  /** The runner's transcript (JSONL); empty when it wrote none. */
  transcript: string;
  /** The runner kind (claude | opencode | command); default: the record's runnerReported.kind, else its runner name. */
  runnerKind?: string;
  /** The transcript's tool calls when the caller has already parsed it (the viewer shows the transcript too). */
  toolCalls?: ToolCall[];
}

function runnerKindOf(r: RunRecord): string {
  const kind = (r.runnerReported as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : r.runner;
}

export function buildCellTimeline(i: TimelineInput): CellTimeline {
  const r = i.record;
  const spend = i.spend.filter((s) => s.cell === r.cell).sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const models = modelSpans(r.cell, spend);
  const phases = phaseSpans(r, models);
  const runner = phases.spans.find((s) => s.kind === 'phase' && s.name === 'runner');
  const toolCalls = i.toolCalls ?? toolCallsOf(i.runnerKind ?? runnerKindOf(r), i.transcript);
  const tools = toolSpans(r.cell, toolCalls, models, runner ? { runnerEndMs: runner.endMs } : {});
  const spans = sortSpans([...phases.spans, ...models, ...tools]);
  const decomposition = decompose(spans, { startMs: Date.parse(r.startedAt), wallMs: r.wallMs, phaseTiming: phases.timing });
  return { record: r, spans, toolCalls, spend, decomposition };
}

/** The record with its decomposition (what the orchestrator writes for every cell). */
export function withDecomposition(record: RunRecord, spend: readonly SpendRecord[], transcript: string): RunRecord {
  return { ...record, decomposition: buildCellTimeline({ record, spend, transcript }).decomposition };
}

/** The run directory of a cell directory (`<runDir>/cells/<cellId>`). */
export const runDirOfCell = (cellDir: string): string => path.dirname(path.dirname(path.resolve(cellDir)));

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/** Reads the spend lines of one cell from a run's spend.jsonl (a missing log reads as none). */
export async function readCellSpend(runDir: string, cellId: string): Promise<SpendRecord[]> {
  const out: SpendRecord[] = [];
  for await (const r of iterSpendLog(path.join(runDir, 'spend.jsonl'), undefined, { missingOk: true })) if (r.cell === cellId) out.push(r);
  return out;
}

/** Reads a cell's record.json. */
export async function readCellRecord(cellDir: string): Promise<RunRecord> {
  const file = path.join(cellDir, 'record.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: no record for this cell (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a cell still running or never run has no timeline yet`, { cause: e });
  }
  return parseRunRecord(JSON.parse(text));
}

/** Everything a timeline view needs for one cell directory. */
export async function loadCellSpans(cellDir: string): Promise<CellTimeline> {
  const record = await readCellRecord(cellDir);
  const [spend, transcript] = await Promise.all([readCellSpend(runDirOfCell(cellDir), record.cell), readText(path.join(cellDir, 'transcript.jsonl'))]);
  return buildCellTimeline({ record, spend, transcript });
}
