/**
 * The codex and gemini runner adapters: what they write and set for a cell (checked with a TOML
 * and a JSON parser, not by string matching), and their transcript parsers on transcripts the
 * real CLIs wrote through the proxy to the simulator (fixtures/*-edit-file.jsonl: read a
 * missing file, write it, edit it, print it, answer; five model calls each).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import { runnerAdapter, RUNNER_NAMES } from '../../src/experiment/runners/adapters.ts';
import { cellEndpoint } from '../../src/experiment/runners/types.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const spec = await loadExperiment(PILOT, { tasks: ['fix-test'], conditions: ['baseline'], runners: ['codex', 'gemini'] });
const cells = buildPlan(spec).cells;
const cellOf = (runner: string) => cells.find((c) => c.runner.kind === runner)!;
const ctx = (runner: string) => {
  const cell = cellOf(runner);
  return { cell, endpoint: cellEndpoint('http://127.0.0.1:5555', cell.id, 'sk-agentab-cell-secret'), workspace: '/w', home: '/h', bin: '/bin/agent' };
};

/** A minimal TOML reader for the flat tables and inline tables codexConfig writes. */
function readToml(text: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = { '': {} };
  let table = out[''];
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) {
      table = out[header[1]!] = {};
      continue;
    }
    const kv = /^([A-Za-z_]+) = (.+)$/.exec(line.trim());
    if (!kv) continue;
    const raw = kv[2]!;
    const inline = /^\{ "([^"]+)" = (".*") \}$/.exec(raw);
    table![kv[1]!] = inline ? { [inline[1]!]: JSON.parse(inline[2]!) } : JSON.parse(raw);
  }
  return out;
}

describe('codex runner', () => {
  const c = ctx('codex');
  const inv = runnerAdapter('codex').command(c);
  const config = readToml(inv.files['/h/.codex/config.toml']!);

  test('is registered, and runs codex exec with JSON events in the workspace on the alias', () => {
    assert.ok(RUNNER_NAMES.includes('codex'));
    assert.deepEqual(inv.argv.slice(0, 6), ['/bin/agent', 'exec', '--json', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', '--cd']);
    assert.deepEqual(inv.argv.slice(6, 9), ['/w', '--model', 'shared-model']);
    assert.equal(inv.argv.at(-1), c.cell.task.prompt);
  });

  test('a private CODEX_HOME declares a Responses provider at the cell prefix; the token only in the environment', () => {
    assert.equal(inv.env.CODEX_HOME, '/h/.codex');
    assert.equal(inv.env.HOME, '/h');
    assert.equal(config['']!.model, 'shared-model');
    assert.equal(config['']!.model_provider, 'agentab');
    const provider = config['model_providers.agentab']!;
    assert.equal(provider.base_url, `http://127.0.0.1:5555/cell/${c.cell.id}/v1`);
    assert.equal(provider.wire_api, 'responses');
    assert.equal(provider.env_key, 'AGENTAB_CELL_TOKEN');
    assert.deepEqual(provider.http_headers, { 'X-Cell-Id': c.cell.id });
    assert.equal(inv.env.AGENTAB_CELL_TOKEN, 'sk-agentab-cell-secret');
    assert.deepEqual(inv.secretEnv, ['AGENTAB_CELL_TOKEN']);
    assert.ok(!JSON.stringify(inv.files).includes('sk-agentab-cell-secret'));
  });

  test('everything that would leave the machine is off', () => {
    assert.equal(config['']!.check_for_update_on_startup, false);
    assert.equal(config['']!.web_search, 'disabled');
    assert.equal(config['analytics']!.enabled, false);
    assert.equal(config['feedback']!.enabled, false);
    assert.equal(config['features']!.plugins, false);
  });

  test('parses its transcript: tool calls, model responses, usage as the proxy logged it', () => {
    const r = runnerAdapter('codex').parse(fixture('codex-edit-file.jsonl'));
    assert.equal(r.toolCalls, 4);
    assert.deepEqual(r.tools, { shell: 4 });
    assert.equal(r.turns, 5, 'four tool calls and the answer: five model calls');
    // the proxy's spend lines of this run: inputs 5626+5694+5757+5879+5936, cached 0+5504+5632+5632+5760, outputs 16+23+82+16+3
    assert.deepEqual(r.usage, { input: 28892, output: 140, cacheRead: 22528, cacheWrite: 0, reasoning: 0 });
    assert.equal(r.isError, false, 'the "model metadata not found" item is a warning');
    assert.equal(r.result, 'All done.');
    assert.match(r.sessionId ?? '', /^[0-9a-f-]{36}$/);
  });

  test('a failed turn is an error with its message; a reconnect warning before success is not', () => {
    const failed = runnerAdapter('codex').parse(
      '{"type":"thread.started","thread_id":"t"}\n{"type":"turn.started"}\n{"type":"error","message":"Reconnecting... 1/5"}\n{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized"}}\n',
    );
    assert.equal(failed.isError, true);
    assert.equal(failed.errorMessage, 'unexpected status 401 Unauthorized');
    const recovered = runnerAdapter('codex').parse(
      '{"type":"turn.started"}\n{"type":"error","message":"Reconnecting... 1/5"}\n{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"ok"}}\n{"type":"turn.completed","usage":{"input_tokens":10,"output_tokens":2}}\n',
    );
    assert.equal(recovered.isError, false);
    assert.equal(recovered.turns, 1);
  });
});

describe('gemini runner', () => {
  const c = ctx('gemini');
  const inv = runnerAdapter('gemini').command(c);
  const settings = JSON.parse(inv.files['/h/.gemini/settings.json']!);

  test('is registered, and runs gemini -p headless with stream-json on the alias', () => {
    assert.ok(RUNNER_NAMES.includes('gemini'));
    assert.deepEqual(inv.argv.slice(0, 3), ['/bin/agent', '-p', c.cell.task.prompt]);
    assert.match(inv.argv.join(' '), /--model shared-model --output-format stream-json --yolo/);
  });

  test('its base URL is the cell prefix, its API key the cell token (in the environment only)', () => {
    assert.equal(inv.env.GOOGLE_GEMINI_BASE_URL, `http://127.0.0.1:5555/cell/${c.cell.id}`);
    assert.equal(inv.env.GEMINI_API_KEY, 'sk-agentab-cell-secret');
    assert.equal(inv.env.GEMINI_CLI_CUSTOM_HEADERS, `X-Cell-Id: ${c.cell.id}`);
    assert.deepEqual(inv.secretEnv, ['GEMINI_API_KEY']);
    assert.ok(!JSON.stringify(inv.files).includes('sk-agentab-cell-secret'));
    assert.equal(inv.env.HOME, '/h');
    assert.equal(inv.env.TMPDIR, '/h/tmp');
    assert.ok('/h/tmp/.agentab' in inv.files, 'the private TMPDIR exists');
  });

  test('settings: API-key auth, no folder-trust prompt, nothing sent home, the turn limit', () => {
    assert.equal(settings.security.auth.selectedType, 'gemini-api-key');
    assert.equal(settings.security.folderTrust.enabled, false);
    assert.equal(settings.privacy.usageStatisticsEnabled, false);
    assert.equal(settings.telemetry.enabled, false);
    assert.equal(settings.model.name, 'shared-model');
    assert.equal(settings.model.maxSessionTurns, c.cell.maxTurns);
  });

  test('parses its transcript: tool calls by name, model responses, usage with cached input', () => {
    const r = runnerAdapter('gemini').parse(fixture('gemini-edit-file.jsonl'));
    assert.deepEqual(r.tools, { write_file: 1, run_shell_command: 1, replace: 1, read_file: 1 });
    assert.equal(r.toolCalls, 4);
    assert.equal(r.turns, 5);
    // the proxy's spend lines of this run: inputs 9844+9896+9949+10008+10031, cached 0+9844+9896+9949+10008, outputs 19+24+27+15+3
    assert.deepEqual(r.usage, { input: 49728, output: 88, cacheRead: 39697, cacheWrite: 0, reasoning: 0 });
    assert.equal(r.result, 'All done.');
    assert.equal(r.model, 'sim-model');
    assert.equal(r.isError, false);
  });

  test('thoughts are the rest of total_tokens; a result with status error is an error', () => {
    const r = runnerAdapter('gemini').parse(
      '{"type":"result","status":"error","error":{"type":"api","message":"[API Error: quota]"},"stats":{"total_tokens":130,"input_tokens":100,"output_tokens":20,"cached":40}}\n',
    );
    assert.deepEqual(r.usage, { input: 100, output: 30, cacheRead: 40, cacheWrite: 0, reasoning: 10 });
    assert.equal(r.isError, true);
    assert.equal(r.errorMessage, '[API Error: quota]');
  });
});
