/**
 * A Claude-Code-sized Anthropic Messages request for the translated-path benchmark: the first
 * request Claude Code 2.1.197 sent (test/fixtures/anthropic, captured through the proxy: its
 * system prompt and 24 tools, ≈76 kB), continued by a session's worth of turns — the model
 * reads files and runs commands (tool_use) and the client returns their output
 * (tool_result) — until the body is about `targetBytes` long (≈120 kB by default, the size of
 * a request a few turns into a coding session). Deterministic: the same bytes every run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './targets.ts';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'anthropic', 'claude-code-2.1.197-first-request.json');

/** Lines that look like a TypeScript source file, as a Read tool returns them (numbered). */
function sourceListing(turn: number, lines: number): string {
  const out: string[] = [];
  for (let i = 1; i <= lines; i++) {
    const body =
      i % 7 === 0
        ? `export function step${turn}_${i}(input: Record<string, unknown>): number {`
        : i % 7 === 3
          ? `  const value${i} = Number(input['field${i}'] ?? ${i * turn}) * ${(i % 13) + 1};`
          : i % 7 === 5
            ? `  // keeps the ${i}th case of turn ${turn} apart from the others`
            : `  if (value${i - 1} > ${i}) return value${i - 1} - ${turn};`;
    out.push(`${String(i).padStart(6)}\t${body}`);
  }
  return out.join('\n');
}

interface Block {
  type: string;
  [key: string]: unknown;
}

export interface ClaudeCodeRequest {
  body: Record<string, unknown>;
  tools: number;
  messages: number;
}

/**
 * One turn of the session: the model reads a file or runs the tests (tool_use), and the client
 * returns the output (tool_result). `cacheMark` puts Claude Code's cache breakpoint
 * (`cache_control`) on the tool result, as Claude Code marks the last turn of each request.
 */
export function turnMessages(turn: number, cacheMark = false): Array<{ role: string; content: Block[] }> {
  const id = `toolu_bench_${String(turn).padStart(4, '0')}`;
  const read = turn % 3 !== 0;
  return [
    {
      role: 'assistant',
      content: [
        { type: 'text', text: read ? `Let me look at src/module-${turn}.ts before changing it.` : 'Running the tests for that module.' },
        read
          ? { type: 'tool_use', id, name: 'Read', input: { file_path: `/work/project/src/module-${turn}.ts` } }
          : { type: 'tool_use', id, name: 'Bash', input: { command: `npm test -- module-${turn}`, description: `Run the tests of module ${turn}` } },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: id,
          content: read ? sourceListing(turn, 160) : `PASS test/module-${turn}.test.ts\n${'  ✓ case passes\n'.repeat(40)}`,
          ...(cacheMark ? { cache_control: { type: 'ephemeral' } } : {}),
        },
      ],
    },
  ];
}

/** The request, with `model` and `stream` as given; about `targetBytes` of JSON. */
export function claudeCodeRequest(model: string, stream: boolean, targetBytes = 120_000): ClaudeCodeRequest {
  const first = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { body: Record<string, unknown> }).body;
  const messages = [...(first.messages as { role: string; content: string | Block[] }[])];
  let turn = 0;
  const size = () => JSON.stringify({ ...first, messages }).length;
  while (size() < targetBytes) {
    turn++;
    messages.push(...turnMessages(turn));
  }
  const tools = (first.tools as unknown[]).length;
  return { body: { ...first, model, stream, messages }, tools, messages: messages.length };
}
