import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import type { Cell } from '../../src/experiment/cell.ts';
import { runner as claudeRunner } from '../../src/experiment/runners/claude/index.ts';
import { parseClaudeTranscript } from '../../src/experiment/runners/claude/transcript.ts';
import { runner as commandRunner } from '../../src/experiment/runners/command/index.ts';
import { runner as opencodeRunner } from '../../src/experiment/runners/opencode/index.ts';
import { parseOpencodeTranscript } from '../../src/experiment/runners/opencode/transcript.ts';
import { RunnerNotFoundError, type CellEndpoint } from '../../src/experiment/runners/types.ts';
import { resolveSimScript } from '../../src/experiment/sim-script.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');

const spec = await loadExperiment(PILOT, { tasks: ['write-file'], conditions: ['baseline'] });
const cells = buildPlan({ ...spec, runners: [...spec.runners, { name: 'bench', kind: 'command', args: [], env: {}, command: 'node bench.mjs' }] }).cells;
const cellOf = (runner: string): Cell => cells.find((c) => c.runner.name === runner)!;

const endpoint = (c: Cell): CellEndpoint => ({
  proxyUrl: 'http://127.0.0.1:5555',
  anthropicBaseUrl: `http://127.0.0.1:5555/cell/${c.id}`,
  openaiBaseUrl: `http://127.0.0.1:5555/cell/${c.id}/v1`,
  token: 'sk-agentab-cell-secret',
});
const ctx = (c: Cell) => ({ cell: c, endpoint: endpoint(c), workspace: '/w', home: '/h', bin: '/bin/agent' });

describe('claude runner', () => {
  const c = cellOf('claude');
  const inv = claudeRunner.command(ctx(c));

  test('runs headless with stream-json, skipped permissions and max turns', () => {
    assert.deepEqual(inv.argv.slice(0, 3), ['/bin/agent', '-p', c.task.prompt]);
    const a = inv.argv.join(' ');
    assert.match(a, /--output-format stream-json --verbose --dangerously-skip-permissions --max-turns 12/);
  });

  test('points every model variable at the alias and the proxy at the cell prefix', () => {
    for (const v of ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'CLAUDE_CODE_SUBAGENT_MODEL']) {
      assert.equal(inv.env[v], 'shared-model', v);
    }
    assert.equal(inv.env.ANTHROPIC_BASE_URL, `http://127.0.0.1:5555/cell/${c.id}`);
    assert.equal(inv.env.ANTHROPIC_AUTH_TOKEN, 'sk-agentab-cell-secret');
    assert.equal(inv.env.ANTHROPIC_CUSTOM_HEADERS, `X-Cell-Id: ${c.id}`);
    assert.equal(inv.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1');
    assert.equal(inv.env.IS_SANDBOX, '1');
    assert.equal(inv.env.HOME, '/h');
    assert.deepEqual(inv.secretEnv, ['ANTHROPIC_AUTH_TOKEN']);
  });

  test('condition args come after runner args', () => {
    const c2 = { ...c, runner: { ...c.runner, args: ['--r'] }, condition: { ...c.condition, args: ['--c'] } };
    assert.deepEqual(claudeRunner.command(ctx(c2)).argv.slice(-2), ['--r', '--c']);
  });

  test('parses its transcript: turns, tools, usage normalised to the whole prompt', () => {
    const r = parseClaudeTranscript(fixture('claude-write-file.jsonl'));
    assert.equal(r.turns, 2);
    assert.deepEqual(r.tools, { Write: 1 });
    assert.equal(r.isError, false);
    assert.equal(r.result, 'Created hello.txt.');
    // result.usage: input_tokens excludes cache reads/writes; normalised input includes them
    assert.deepEqual(r.usage, { input: 35199, output: 75, cacheRead: 16051, cacheWrite: 16051, reasoning: 0 });
    assert.match(r.sessionId ?? '', /^[0-9a-f-]{36}$/);
  });

  test('an error result is an error; junk lines are skipped', () => {
    const r = parseClaudeTranscript('banner\n{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":3}\n{"type":"res');
    assert.equal(r.isError, true);
    assert.equal(r.errorMessage, 'error_max_turns');
    assert.equal(r.turns, 3);
    assert.equal(r.events, 1);
  });

  test('reads its version', () => {
    assert.equal(claudeRunner.parseVersion('2.1.197 (Claude Code)\n'), '2.1.197');
  });
});

describe('opencode runner', () => {
  const c = cellOf('opencode');
  const inv = opencodeRunner.command(ctx(c));
  const configFile = '/h/.config/opencode/opencode.json';
  const config = JSON.parse(inv.files[configFile]!) as Record<string, any>;

  test('runs `opencode run --format json --model agentab/<alias> <prompt>`', () => {
    assert.deepEqual(inv.argv, ['/bin/agent', 'run', '--format', 'json', '--model', 'agentab/shared-model', c.task.prompt]);
  });

  test('declares the proxy provider at the cell prefix, with small_model on the alias', () => {
    const p = config.provider.agentab;
    assert.equal(p.npm, '@ai-sdk/openai-compatible');
    assert.equal(p.options.baseURL, `http://127.0.0.1:5555/cell/${c.id}/v1`);
    assert.deepEqual(p.options.headers, { 'X-Cell-Id': c.id });
    assert.deepEqual(Object.keys(p.models), ['shared-model']);
    assert.equal(config.model, 'agentab/shared-model');
    assert.equal(config.small_model, 'agentab/shared-model');
    assert.equal(config.autoupdate, false);
    assert.equal(config.share, 'disabled');
  });

  test('keeps the token out of the config file and turns Claude Code compatibility off', () => {
    assert.ok(!JSON.stringify(inv.files).includes('sk-agentab-cell-secret'));
    assert.equal(config.provider.agentab.options.apiKey, '{env:AGENTAB_CELL_TOKEN}');
    assert.equal(inv.env.AGENTAB_CELL_TOKEN, 'sk-agentab-cell-secret');
    assert.deepEqual(inv.secretEnv, ['AGENTAB_CELL_TOKEN']);
    assert.equal(inv.env.OPENCODE_DISABLE_CLAUDE_CODE, '1');
    assert.equal(inv.env.OPENCODE_CONFIG, configFile);
    assert.equal(inv.env.XDG_DATA_HOME, '/h/.local/share');
  });

  test('marks its config dir as installed so it downloads no plugin package', () => {
    const lock = JSON.parse(inv.files['/h/.config/opencode/package-lock.json']!);
    assert.ok(lock.packages[''].dependencies['@opencode-ai/plugin']);
    assert.ok(Object.keys(inv.files).some((f) => f.startsWith('/h/.config/opencode/node_modules/')));
  });

  test('parses its transcript: steps, tools, usage with cached input added back', () => {
    const r = parseOpencodeTranscript(fixture('opencode-summarise-doc.jsonl'));
    assert.equal(r.turns, 3);
    assert.deepEqual(r.tools, { bash: 1, write: 1 });
    assert.equal(r.toolCalls, 2);
    assert.deepEqual(r.usage, { input: 6719 + 5738 + 6667 + 6291 + 6667, output: 17 + 542 + 10, cacheRead: 13334, cacheWrite: 0, reasoning: 0 });
    assert.equal(r.isError, false);
    assert.match(r.sessionId ?? '', /^ses_/);
  });

  test('an error event makes the report an error', () => {
    const r = parseOpencodeTranscript('{"type":"error","sessionID":"ses_1","error":{"name":"APIError","data":{"message":"boom"}}}\n');
    assert.equal(r.isError, true);
    assert.equal(r.errorMessage, 'boom');
  });
});

describe('command runner', () => {
  const c = cellOf('bench');
  const inv = commandRunner.command(ctx(c));

  test('runs the command through sh with the cell wiring under AGENTAB_* and SDK names', () => {
    assert.deepEqual(inv.argv, ['/bin/sh', '-c', 'node bench.mjs']);
    assert.equal(inv.env.AGENTAB_CELL_ID, c.id);
    assert.equal(inv.env.AGENTAB_OPENAI_BASE_URL, `http://127.0.0.1:5555/cell/${c.id}/v1`);
    assert.equal(inv.env.OPENAI_BASE_URL, inv.env.AGENTAB_OPENAI_BASE_URL);
    assert.equal(inv.env.ANTHROPIC_BASE_URL, `http://127.0.0.1:5555/cell/${c.id}`);
    assert.equal(inv.env.AGENTAB_MODEL, 'shared-model');
    for (const k of inv.secretEnv) assert.equal(inv.env[k], 'sk-agentab-cell-secret');
  });

  test('without a command anywhere it says where to put one', () => {
    const bare = { ...c, runner: { ...c.runner, command: undefined } };
    assert.throws(() => commandRunner.command(ctx(bare)), /has no command for the command runner/);
  });

  test('its binary is the shell; an explicit missing binary of an agent is refused clearly', () => {
    assert.equal(commandRunner.resolveBinary(c.runner), '/bin/sh');
    assert.throws(() => claudeRunner.resolveBinary({ ...cellOf('claude').runner, bin: '/nonexistent/claude' }), (e: unknown) => e instanceof RunnerNotFoundError && /runner "claude" is not runnable: \/nonexistent\/claude is missing/.test(e.message));
  });
});

describe('sim scripts', () => {
  test('relative file paths are made absolute against the workspace; commands are untouched', () => {
    const s = resolveSimScript([{ action: 'write', path: 'a/b.txt', content: 'x' }, { action: 'read', path: '/abs' }, { action: 'bash', command: 'ls' }], '/w/s');
    assert.deepEqual(s, [{ action: 'write', path: '/w/s/a/b.txt', content: 'x' }, { action: 'read', path: '/abs' }, { action: 'bash', command: 'ls' }]);
    assert.equal(resolveSimScript(undefined, '/w'), undefined);
  });
});
