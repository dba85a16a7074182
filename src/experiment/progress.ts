/**
 * Progress of a run: cells done/total, failures, ETA, tokens and cost so far. Two faces:
 * a progress bar on a terminal (cli-progress), plain lines otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../config/experiment-duration.ts';
import type { Cell } from './cell.ts';
import type { RunRecord } from './run-record.ts';

/** A cell that did not pass because it failed (fail, error, timeout, infra): a canceled one was stopped, not failed. */
const isFailure = (rec: RunRecord): boolean => rec.outcome !== 'pass' && rec.outcome !== 'canceled';

export interface ProgressSink {
  start(total: number, alreadyDone: number, concurrency: number): void;
  cellStarted(cell: Cell): void;
  cellFinished(cell: Cell, rec: RunRecord): void;
  /** Live totals of this session, from spend lines. */
  spend(tokens: number, costUsd: number): void;
  note(line: string): void;
  stop(): void;
}

export const cellLabel = (c: Cell): string => `${c.runner.name}/${c.condition.name}/${c.task.id}#${c.rep}`;

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtUsd = (n: number): string => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

/** Counters shared by both faces. */
class Tally {
  total = 0;
  done = 0;
  startDone = 0;
  failures = 0;
  tokens = 0;
  costUsd = 0;
  concurrency = 1;
  private readonly t0 = Date.now();

  /** Remaining time from this session's pace, or undefined before the first cell. */
  etaMs(): number | undefined {
    const finished = this.done - this.startDone;
    if (finished <= 0) return undefined;
    return ((Date.now() - this.t0) / finished) * (this.total - this.done);
  }
}

export class PlainProgress implements ProgressSink {
  private readonly t = new Tally();
  constructor(private readonly write: (line: string) => void) {}

  start(total: number, alreadyDone: number, concurrency: number): void {
    Object.assign(this.t, { total, done: alreadyDone, startDone: alreadyDone, concurrency });
    this.write(`running ${total - alreadyDone} of ${total} cells${alreadyDone ? ` (${alreadyDone} already recorded)` : ''}, concurrency ${concurrency}`);
  }
  cellStarted(): void {}
  cellFinished(cell: Cell, rec: RunRecord): void {
    const t = this.t;
    t.done++;
    if (isFailure(rec)) t.failures++;
    const eta = t.etaMs();
    const tokens = rec.usage.input + rec.usage.output;
    this.write(
      `[${t.done}/${t.total}] ${rec.outcome.padEnd(8)} ${cellLabel(cell)} ${rec.cell} ${formatDuration(rec.wallMs)} ${rec.calls} calls ${fmtInt(tokens)} tok ${fmtUsd(rec.costUsd)}` +
        ` | failures ${t.failures} | ${fmtInt(t.tokens)} tok ${fmtUsd(t.costUsd)} | eta ${eta === undefined ? '?' : formatDuration(eta)}`,
    );
  }
  spend(tokens: number, costUsd: number): void {
    this.t.tokens = tokens;
    this.t.costUsd = costUsd;
  }
  note(line: string): void {
    this.write(line);
  }
  stop(): void {}
}

export class BarProgress implements ProgressSink {
  private readonly t = new Tally();
  private readonly multi: cliProgress.MultiBar;
  private bar?: cliProgress.SingleBar;
  private running = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{bar} {value}/{total} cells | {running} running | {failures} failed | ETA {etaText} | {tokens} tok | {cost}',
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  private payload() {
    const eta = this.t.etaMs();
    const etaText = this.t.done >= this.t.total ? 'done' : eta === undefined ? '?' : formatDuration(eta);
    return { running: this.running, failures: this.t.failures, etaText, tokens: fmtInt(this.t.tokens), cost: fmtUsd(this.t.costUsd) };
  }

  start(total: number, alreadyDone: number, concurrency: number): void {
    Object.assign(this.t, { total, done: alreadyDone, startDone: alreadyDone, concurrency });
    this.bar = this.multi.create(total, alreadyDone, this.payload());
  }
  cellStarted(): void {
    this.running++;
    this.bar?.update(this.payload());
  }
  cellFinished(cell: Cell, rec: RunRecord): void {
    this.running--;
    this.t.done++;
    if (rec.outcome !== 'pass') {
      if (isFailure(rec)) this.t.failures++;
      this.multi.log(`${rec.outcome} ${cellLabel(cell)} ${rec.cell}${typeof rec.runnerReported.error === 'string' ? `: ${rec.runnerReported.error}` : ''}\n`);
    }
    this.bar?.update(this.t.done, this.payload());
  }
  spend(tokens: number, costUsd: number): void {
    this.t.tokens = tokens;
    this.t.costUsd = costUsd;
    this.bar?.update(this.payload());
  }
  note(line: string): void {
    this.multi.log(line.endsWith('\n') ? line : line + '\n');
  }
  stop(): void {
    this.multi.stop();
  }
}

export const silentProgress: ProgressSink = { start() {}, cellStarted() {}, cellFinished() {}, spend() {}, note() {}, stop() {} };
