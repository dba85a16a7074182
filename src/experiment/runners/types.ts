/**
 * The runner adapter contract: how to invoke one agent CLI (or a plain command) for a
 * cell, and how to read what it reported. Adapters are pure: they build argv/env/files and
 * parse text; the launcher does the I/O.
 */
import type { RunnerDef } from '../../config/experiment-types.ts';
import type { Cell } from '../cell.ts';

/** Where a cell reaches the proxy. */
export interface CellEndpoint {
  /** Proxy root, e.g. http://127.0.0.1:43123 */
  proxyUrl: string;
  /** `${proxyUrl}/cell/<id>`: the Anthropic surface's base URL (it serves /v1/messages). */
  anthropicBaseUrl: string;
  /** `${proxyUrl}/cell/<id>/v1`: the OpenAI surfaces' base URL (Chat Completions and Responses). */
  openaiBaseUrl: string;
  /** `${proxyUrl}/cell/<id>`: the Gemini surface's base URL (it serves /v1beta/models/…). */
  geminiBaseUrl: string;
  /** The cell's bearer token. A secret: never logged or recorded. */
  token: string;
}

/** Where cell `cellId` reaches the proxy at `proxyUrl`: every surface's base URL under the cell's prefix. */
export function cellEndpoint(proxyUrl: string, cellId: string, token: string): CellEndpoint {
  const base = `${proxyUrl}/cell/${cellId}`;
  return { proxyUrl, anthropicBaseUrl: base, openaiBaseUrl: `${base}/v1`, geminiBaseUrl: base, token };
}

export interface InvocationContext {
  cell: Cell;
  endpoint: CellEndpoint;
  /** Absolute path of the cell's workspace as the runner sees it (its cwd). */
  workspace: string;
  /** Absolute path of the cell's private home directory as the runner sees it. */
  home: string;
  /** Absolute path of the runner binary as the runner host sees it. */
  bin: string;
  /** The AGENTAB_* variables setup and check commands get (AGENTAB_TASK_DIR, AGENTAB_SPEC_DIR, AGENTAB_WORKSPACE…), as the runner sees them. */
  cellVars?: Record<string, string>;
}

export interface Invocation {
  argv: string[];
  /** Variables the adapter sets; the launcher adds the base environment (PATH, locale). */
  env: Record<string, string>;
  /** Files to write before the run: absolute path (as the runner sees it) → content. */
  files: Record<string, string>;
  /** Names of env variables whose values are secrets (masked in plans and logs). */
  secretEnv: string[];
}

export interface RunnerUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/** What a runner's own transcript says about its run. */
export interface RunnerReport {
  /** Number of JSON events in the transcript. */
  events: number;
  /** Assistant turns (model responses). */
  turns: number;
  toolCalls: number;
  /** Calls per tool name. */
  tools: Record<string, number>;
  usage?: RunnerUsage;
  costUsd?: number;
  durationMs?: number;
  /** The runner itself said the run failed (e.g. claude's `is_error`). */
  isError: boolean;
  /** The runner's error message, when it reported one. */
  errorMessage?: string;
  sessionId?: string;
  model?: string;
  /** Final answer text, cut to a few hundred characters. */
  result?: string;
}

export interface RunnerAdapter {
  /** The registry name (runners/registry.ts), the `kind` of a spec's runner. */
  readonly kind: string;
  /** Whether stdout is a JSONL transcript (saved as transcript.jsonl). */
  readonly jsonTranscript: boolean;
  /** Whether the CLI takes a turn limit: a spec's runner-level `max_turns` is refused for one that does not. */
  readonly limitsTurns: boolean;
  /**
   * What a spec's runner names to run: `command`, a shell command (the command runner), or
   * `bin`, the CLI's binary (every agent CLI). The other key is refused, never ignored.
   */
  readonly runs: 'command' | 'bin';
  /** The binary to run, or throws RunnerNotFoundError. */
  resolveBinary(def: RunnerDef): string;
  /** argv to print the version (run once per run). */
  versionArgv(bin: string): string[] | undefined;
  /** Extracts the version from `versionArgv`'s output. */
  parseVersion(out: string): string;
  command(ctx: InvocationContext): Invocation;
  parse(transcript: string): RunnerReport;
  /** Runner files worth keeping beside the transcript (session logs), relative to its home. */
  readonly artifacts: readonly string[];
}

export class RunnerNotFoundError extends Error {
  readonly code = 'runner_not_found';
  readonly retryable = false;
  constructor(
    readonly runner: string,
    detail: string,
  ) {
    super(`runner "${runner}" is not runnable: ${detail}`);
    this.name = 'RunnerNotFoundError';
  }
}

export function emptyReport(): RunnerReport {
  return { events: 0, turns: 0, toolCalls: 0, tools: {}, isError: false };
}

/** Parses JSONL leniently: non-JSON lines (banners, a torn last line) are skipped. */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const v: unknown = JSON.parse(t);
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

export const clip = (s: string, n = 400): string => (s.length > n ? s.slice(0, n) + '…' : s);
