/**
 * Spend the statistics leave out, so that it is reported rather than lost:
 *   killed:   attempts cut off when the orchestrator died (kill -9, OOM, a reset). Their calls
 *             are in spend.jsonl, but no record was written for them; a resume writes one
 *             (outcome canceled, `endedBy: killed`) so the run keeps them as history.
 *   canceled: attempts ended by Ctrl-C or the budget (a canceled record, the latest of its cell
 *             or an earlier one a resume re-ran).
 *   retried:  earlier attempts that `--retry` replaced (their records stay as history).
 *
 * A spend line belongs to the record of its cell whose time window [startedAt, startedAt +
 * wallMs] holds its arrival time: the proxy that wrote the line and the launcher that timed the
 * cell share one clock (a VM's records and spend lines both come from that VM). A line of a
 * planned cell that no record's window holds is from an attempt killed before it was recorded.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { iterSpendLog } from '../proxy/spend/reader.ts';
import { costOrZero, isModelCall, type SpendRecord } from '../proxy/spend/record.ts';
import { readRecordsFile, type RecordsFile } from './records-store.ts';
import type { RunRecord } from './run-record.ts';

export interface SpendTotals {
  /** Attempts (a cell killed twice is two). */
  attempts: number;
  /** Model calls (token counts are not calls). */
  calls: number;
  input: number;
  output: number;
  costUsd: number;
}

export interface UncountedSpend {
  killed: SpendTotals;
  canceled: SpendTotals;
  retried: SpendTotals;
}

export const noSpend = (): SpendTotals => ({ attempts: 0, calls: 0, input: 0, output: 0, costUsd: 0 });
export const noUncountedSpend = (): UncountedSpend => ({ killed: noSpend(), canceled: noSpend(), retried: noSpend() });

export function addSpend(a: SpendTotals, b: SpendTotals): SpendTotals {
  return { attempts: a.attempts + b.attempts, calls: a.calls + b.calls, input: a.input + b.input, output: a.output + b.output, costUsd: a.costUsd + b.costUsd };
}

export function addUncounted(a: UncountedSpend, b: UncountedSpend): UncountedSpend {
  return { killed: addSpend(a.killed, b.killed), canceled: addSpend(a.canceled, b.canceled), retried: addSpend(a.retried, b.retried) };
}

export function totalUncounted(u: UncountedSpend): SpendTotals {
  return addSpend(addSpend(u.killed, u.canceled), u.retried);
}

/** The spend of one attempt's lines (model calls only, as a record counts them). */
export function spendOfLines(lines: readonly SpendRecord[]): SpendTotals {
  const t = noSpend();
  t.attempts = 1;
  for (const l of lines) {
    if (!isModelCall(l)) continue;
    t.calls++;
    t.input += l.usage.input;
    t.output += l.usage.output;
    t.costUsd += costOrZero(l);
  }
  return t;
}

function spendOfRecord(r: RunRecord): SpendTotals {
  return { attempts: 1, calls: r.calls, input: r.usage.input, output: r.usage.output, costUsd: r.costUsd };
}

/** A record written for an attempt the orchestrator's death cut off (see recordKilledAttempts). */
export function isKilledAttempt(r: RunRecord): boolean {
  return r.outcome === 'canceled' && r.runnerReported.endedBy === 'killed';
}

/** Records' time windows per cell: which spend lines each claims. */
function windowsByCell(records: readonly RunRecord[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const r of records) {
    const start = Date.parse(r.startedAt);
    if (!Number.isFinite(start)) continue;
    const list = out.get(r.cell) ?? [];
    list.push([start, start + r.wallMs]);
    out.set(r.cell, list);
  }
  return out;
}

/**
 * The spend lines of `cells` (of run `runId`) that no record claims, by cell, in log order:
 * attempts killed before they were recorded.
 */
export async function unclaimedSpend(spendFile: string, runId: string | undefined, records: readonly RunRecord[], cells?: ReadonlySet<string>): Promise<Map<string, SpendRecord[]>> {
  const windows = windowsByCell(records);
  const out = new Map<string, SpendRecord[]>();
  for await (const line of iterSpendLog(spendFile, undefined, { missingOk: true })) {
    if (line.cell === null || (runId !== undefined && line.run !== null && line.run !== runId)) continue;
    if (cells && !cells.has(line.cell)) continue;
    const at = Date.parse(line.ts);
    if ((windows.get(line.cell) ?? []).some(([from, to]) => at >= from && at <= to)) continue;
    const list = out.get(line.cell) ?? [];
    list.push(line);
    out.set(line.cell, list);
  }
  return out;
}

/**
 * Whether a run directory may hold spend no record claims: only when its last session was
 * killed and not resumed since (a resume records the attempts the kill cut off). Its spend log
 * is read only then, so a report of a finished run never parses it.
 */
function mayHoldKilledSpend(runDir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as { sessions?: { status?: string }[] };
    const last = m.sessions?.at(-1)?.status;
    return last === 'running' || last === 'killed';
  } catch {
    return false; // a records file away from its run directory: no spend log to read
  }
}

/**
 * What a run's statistics leave out, from its records.jsonl (every line, history included; pass
 * `file` when it was read already) and the spend.jsonl next to it (the run directory's own log:
 * every cell line in it is this run's).
 */
export async function uncountedSpendOfRun(recordsFile: string, o: { live?: boolean; file?: Pick<RecordsFile, 'records' | 'superseded'> } = {}): Promise<UncountedSpend> {
  const file = o.file ?? (await readRecordsFile(recordsFile));
  const out = noUncountedSpend();
  const all = [...file.superseded, ...file.records];
  for (const r of all) {
    if (isKilledAttempt(r)) out.killed = addSpend(out.killed, spendOfRecord(r));
    else if (r.outcome === 'canceled') out.canceled = addSpend(out.canceled, spendOfRecord(r));
  }
  for (const r of file.superseded) if (r.outcome !== 'canceled') out.retried = addSpend(out.retried, spendOfRecord(r));
  const runIds = new Set(all.map((r) => r.runId));
  // a records file pooled from several runs has no one spend log of its own
  // (nor has a live run: its unrecorded calls are of attempts still running)
  if (runIds.size <= 1 && !o.live && mayHoldKilledSpend(path.dirname(recordsFile))) {
    const lost = await unclaimedSpend(path.join(path.dirname(recordsFile), 'spend.jsonl'), [...runIds][0], all);
    for (const lines of lost.values()) out.killed = addSpend(out.killed, spendOfLines(lines));
  }
  return out;
}

/** "3 attempts, 12 calls, 4,100 input / 800 output tokens, $0.0210". */
export function spendText(t: SpendTotals): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(t.attempts)} attempt${t.attempts === 1 ? '' : 's'}, ${n(t.calls)} call${t.calls === 1 ? '' : 's'}, ${n(t.input)} input / ${n(t.output)} output tokens, $${t.costUsd.toFixed(4)}`;
}

/** One line for a report or a terminal, null when nothing was left out. */
export function uncountedText(u: UncountedSpend): string | null {
  const parts: string[] = [];
  if (u.killed.attempts) parts.push(`killed ${spendText(u.killed)}`);
  if (u.canceled.attempts) parts.push(`canceled ${spendText(u.canceled)}`);
  if (u.retried.attempts) parts.push(`replaced by --retry ${spendText(u.retried)}`);
  if (!parts.length) return null;
  const total = totalUncounted(u);
  return `Spend of killed, canceled or retried attempts (excluded from the statistics): ${parts.join('; ')}${parts.length > 1 ? ` — in all ${spendText(total)}` : ''}.`;
}
