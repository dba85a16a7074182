/**
 * A reactive sim script with the real Claude Code: the first edit names an old string that is
 * not in the file, Claude Code answers with an error tool result, and the script's `on_error`
 * branch re-reads the file and retries with the right string, so the fix lands.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClaude } from '../helpers/agents.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const SCRIPT = JSON.stringify([
  {
    action: 'edit',
    path: 'add.js',
    old: 'return a - b;',
    new: 'return a + b;',
    on_error: [
      { action: 'read', path: 'add.js' },
      { action: 'edit', path: 'add.js', old: 'return a-b;', new: 'return a + b;' },
    ],
  },
  { action: 'say', text: 'Fixed add.js.' },
]);

describe('reactive sim scripts with the real Claude Code', { timeout: 300_000 }, () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy(`
model_list:
  - model_name: claude-sim
    litellm_params:
      model: sim/claude-sonnet-4-5
      sim: { ttft_ms: 10, ttft_ms_per_1k_tokens: 1, tokens_per_second: 5000, jitter: 0 }
`);
  });
  after(async () => {
    await proxy?.close();
  });

  test('a failed edit branches into on_error: read, then the corrected edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-react-ws-'));
    writeFileSync(join(dir, 'add.js'), 'export function add(a, b) {\n  return a-b;\n}\n');
    const cell = 'cc-react';
    const r = await runClaude({
      baseUrl: `${proxy.url}/cell/${cell}`,
      token: proxy.cellToken(cell),
      cwd: dir,
      prompt: 'Fix add.js.',
      alias: 'claude-sim',
      cellId: cell,
      extraHeaders: { 'x-agentab-sim-script': SCRIPT },
    });
    const result = r.events.find((e) => e.type === 'result') as { subtype?: string } | undefined;
    assert.equal(result?.subtype, 'success', r.stdout.slice(-2000) + r.stderr.slice(-2000));
    assert.equal(readFileSync(join(dir, 'add.js'), 'utf8'), 'export function add(a, b) {\n  return a + b;\n}\n');
    // The transcript shows the failed edit, then the read and the retried edit.
    const toolUses = r.events
      .filter((e) => e.type === 'assistant')
      .flatMap((e) => ((e.message as { content?: Array<{ type: string; name?: string }> }).content ?? []))
      .filter((b) => b.type === 'tool_use')
      .map((b) => b.name);
    assert.deepEqual(toolUses, ['Edit', 'Read', 'Edit']);
  });
});
