/**
 * The launcher contract: where and how a cell's workspace, setup, runner and check run
 * (a local process, a container, a VM). The orchestrator owns the proxy and the records;
 * a launcher only runs cells and reports what happened.
 */
import type { Logger } from '../../util/log.ts';
import type { SimAction } from '../../sim/script.ts';
import type { Cell } from '../cell.ts';
import type { CellProcessRegistry } from '../cell-processes.ts';
import type { Plan, ResolvedRunner } from '../plan.ts';
import type { SpendRecord } from '../../proxy/spend/record.ts';
import type { ProcessResult } from '../run-process.ts';
import type { RunRecord } from '../run-record.ts';
import type { CellEndpoint, RunnerReport } from '../runners/types.ts';

export interface LaunchContext {
  plan: Plan;
  runId: string;
  /** results/<experiment>/<runId> */
  runDir: string;
  /** Proxy root URL as seen from the orchestrator's host. */
  proxyUrl: string;
  /** The cell's endpoint for a proxy reachable at `proxyUrl` (the launcher may rewrite the host). */
  endpoint(cellId: string, proxyUrl?: string): CellEndpoint;
  /** Tells the proxy about a cell (its sim script, with paths resolved against `workspace`). */
  registerCell(cellId: string, o: { simScript?: SimAction[] }): void;
  /** Base environment of every cell process (PATH, locale). */
  baseEnv: Record<string, string>;
  runners: Record<string, ResolvedRunner>;
  /** Keep cell workspaces after the run (default: delete them). */
  keepWorkspaces: boolean;
  /** Where a launcher that runs host processes records their process groups (reaped after a crash). */
  processes?: CellProcessRegistry;
  log: Logger;
  /** The cells this session will run (those without a record), in run order. */
  cells: readonly Cell[];
  /** A line for the user (shown above the progress bar). */
  note(line: string): void;
}

export type CellPhase = 'workspace' | 'setup' | 'runner' | 'check' | 'teardown';

/** One timed stretch of a phase (a phase may run several times: one per setup command). */
export interface CellPhaseSpan {
  phase: CellPhase;
  /** Offset from the cell's start (startedAt), ms. */
  startMs: number;
  durationMs: number;
}

export interface CellResult {
  cellId: string;
  host: string;
  /** ISO-8601, when the launcher started on the cell. */
  startedAt: string;
  wallMs: number;
  /** Orchestration overhead: launcher start → runner process spawned. */
  launchMs: number | null;
  phaseMs: Partial<Record<CellPhase, number>>;
  /** When each phase ran (the timeline of the cell); absent from launchers that do not time phases. */
  phaseSpans?: CellPhaseSpan[];
  runner: ProcessResult | null;
  check: ProcessResult | null;
  /** The phase that failed or was interrupted, if any. */
  failedPhase?: CellPhase;
  /** Why the launcher could not run the cell (workspace/setup/spawn), no secrets. */
  infraError?: string;
  timedOut: boolean;
  canceled: boolean;
  /** What the runner's transcript says. */
  report: RunnerReport | null;
  /** Launcher-specific facts for RunRecord.env (image, cpus, memory…). */
  env: Record<string, string | number>;
  /**
   * A remote launcher's finished record (built next to the cell by that machine's own
   * orchestrator and proxy); the orchestrator writes it as is, with `spend` its spend lines.
   */
  record?: RunRecord;
  spend?: SpendRecord[];
}

/** What a launcher tells the orchestrator about a cell while it runs. */
export interface CellEvents {
  /** The cell has started (a remote launcher knows this later than when run() is called). */
  started(): void;
}

export interface CellLauncher {
  readonly kind: string;
  /**
   * Remote: cells run on other machines, each with its own proxy (GCE). The orchestrator
   * then starts no proxy, hands the launcher every cell at once (the launcher runs them at
   * its own pace) and takes the records it returns.
   */
  readonly remote?: boolean;
  /** Environment variables a remote launcher's machines get from a secret store (not needed here). */
  readonly remoteSecrets?: readonly string[];
  prepare(ctx: LaunchContext): Promise<void>;
  run(cell: Cell, signal: AbortSignal, events?: CellEvents): Promise<CellResult>;
  /** Frees one finished cell's resources (its workspace), once its record is written. */
  release?(cellId: string): Promise<void>;
  /** Idempotent; also called on Ctrl-C and on crash. */
  dispose(): Promise<void>;
}
