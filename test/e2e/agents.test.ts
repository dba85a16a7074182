/**
 * End to end with the real Claude Code and OpenCode CLIs from npm, headless and offline,
 * through agentab to four upstream shapes: the simulator speaking OpenAI Chat, a fake Vertex
 * Gemini, and the simulator speaking Anthropic Messages. Each scripted tool call must really
 * run in the workspace, every call must appear once in the spend log with its cell id, and
 * the log's token sums must equal what the upstream reported.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { runClaude, runOpenCode } from '../helpers/agents.ts';
import { startFakeGemini, type FakeGemini } from '../helpers/fake-gemini.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const MASTER = 'sk-e2e-master-key-0001';
const CONTENT = 'hello from the scripted model\n';
const SCRIPT = JSON.stringify([
  { action: 'write', path: 'hello.txt', content: CONTENT },
  { action: 'bash', command: 'cat hello.txt' },
  { action: 'say', text: 'All done.' },
]);

/** The simulator alone, standing in for an upstream in either dialect, with its own spend log. */
async function startSimUpstream(): Promise<TestProxy> {
  return startTestProxy(`
model_list:
  - model_name: sim-upstream
    litellm_params:
      model: sim/sim-default
      sim: { ttft_ms: 20, ttft_ms_per_1k_tokens: 0, tokens_per_second: 2000, jitter: 0 }
`);
}

function sums(records: SpendRecord[]) {
  return records.reduce(
    (a, r) => ({ input: a.input + r.usage.input, output: a.output + r.usage.output, cacheRead: a.cacheRead + r.usage.cacheRead }),
    { input: 0, output: 0, cacheRead: 0 },
  );
}

function resultEvent(events: Record<string, unknown>[]) {
  return events.find((e) => e.type === 'result') as { subtype?: string; is_error?: boolean; result?: string } | undefined;
}

async function spendOf(p: TestProxy, cell: string) {
  return (await p.spend()).filter((r) => r.cell === cell && r.endpoint !== 'count_tokens');
}

describe('real agent CLIs through agentab', { timeout: 600_000 }, () => {
  let simUp: TestProxy;
  let gemini: FakeGemini;
  let proxy: TestProxy;
  let ws: () => string;

  before(async () => {
    simUp = await startSimUpstream();
    gemini = await startFakeGemini((step, tools) => {
      const has = (n: string) => tools.includes(n);
      const dir = currentWs;
      if (step === 0 && has('Write')) return { call: { name: 'Write', args: { file_path: join(dir, 'hello.txt'), content: CONTENT } } };
      if (step === 0 && has('write')) return { call: { name: 'write', args: { filePath: join(dir, 'hello.txt'), content: CONTENT } } };
      if (step === 1 && has('Bash')) return { call: { name: 'Bash', args: { command: 'cat hello.txt', description: 'Show the file' } } };
      if (step === 1 && has('bash')) return { call: { name: 'bash', args: { command: 'cat hello.txt', description: 'Show the file' } } };
      return { text: 'All done.' };
    });
    proxy = await startTestProxy(
      `
model_list:
  - model_name: via-openai
    litellm_params:
      model: openai/sim-upstream
      api_base: ${simUp.url}/v1
      extra_headers: { x-agentab-sim-script: '${SCRIPT}' }
  - model_name: via-anthropic
    litellm_params:
      model: anthropic/sim-upstream
      api_base: ${simUp.url}
      api_key: sk-ant-upstream-fake
      extra_headers: { x-agentab-sim-script: '${SCRIPT}' }
  - model_name: via-gemini
    litellm_params:
      model: vertex_ai/gemini-2.5-pro
      api_base: ${gemini.url}
      vertex_project: test-project
      vertex_location: us-central1
      api_key: ya29.fake-vertex-token
general_settings:
  master_key: ${MASTER}
`,
      {},
    );
    ws = () => {
      currentWs = mkdtempSync(join(tmpdir(), 'agentab-ws-'));
      return currentWs;
    };
  });
  let currentWs = '';
  after(async () => {
    await proxy?.close();
    await simUp?.close();
    await gemini?.close();
  });

  async function checkUpstreamSums(cell: string, upstreamBefore: SpendRecord[]) {
    const mine = await spendOf(proxy, cell);
    const upstream = (await simUp.spend()).slice(upstreamBefore.length).filter((r) => r.endpoint !== 'count_tokens');
    assert.ok(mine.length >= 3, `at least three model calls (got ${mine.length})`);
    assert.equal(mine.length, upstream.length, 'every call appears once in the spend log');
    assert.ok(mine.every((r) => r.status === 200 && r.error === null), JSON.stringify(mine.map((r) => r.error)));
    assert.deepEqual(sums(mine), sums(upstream), 'the log sums equal the upstream-reported usage');
  }

  test('Claude Code → Anthropic surface → sim speaking OpenAI Chat upstream', async () => {
    const dir = ws();
    const before = await simUp.spend();
    const r = await runClaude({ baseUrl: `${proxy.url}/cell/cc-openai`, token: proxy.cellToken('cc-openai'), cwd: dir, prompt: 'Create hello.txt and show it.', alias: 'via-openai', cellId: 'cc-openai' });
    const res = resultEvent(r.events);
    assert.equal(res?.subtype, 'success', r.stdout.slice(-2000) + r.stderr.slice(-2000));
    assert.equal(res?.is_error, false);
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), CONTENT);
    await checkUpstreamSums('cc-openai', before);
  });

  test('Claude Code → Anthropic surface → fake Vertex Gemini (thoughtSignature kept, no cache_control)', async () => {
    const dir = ws();
    const t0 = { ...gemini.totals };
    const r = await runClaude({ baseUrl: `${proxy.url}/cell/cc-gemini`, token: proxy.cellToken('cc-gemini'), cwd: dir, prompt: 'Create hello.txt and show it.', alias: 'via-gemini', cellId: 'cc-gemini' });
    assert.equal(resultEvent(r.events)?.subtype, 'success', r.stdout.slice(-2000));
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), CONTENT);
    assert.deepEqual(gemini.complaints, []);
    const mine = await spendOf(proxy, 'cc-gemini');
    assert.equal(mine.length, gemini.totals.calls - t0.calls, 'every call appears once in the spend log');
    assert.deepEqual(sums(mine), {
      input: gemini.totals.input - t0.input,
      output: gemini.totals.output - t0.output,
      cacheRead: gemini.totals.cacheRead - t0.cacheRead,
    });
    assert.ok(gemini.received.every((q) => q.authorization === 'Bearer ya29.fake-vertex-token'));
  });

  test('OpenCode → OpenAI surface → fake Vertex Gemini', async () => {
    const dir = ws();
    const t0 = { ...gemini.totals };
    const r = await runOpenCode({ baseUrl: `${proxy.url}/cell/oc-gemini/v1`, token: proxy.cellToken('oc-gemini'), cwd: dir, prompt: 'Create hello.txt and show it.', alias: 'via-gemini', cellId: 'oc-gemini' });
    assert.equal(r.exitCode, 0, r.stderr.slice(-2000));
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), CONTENT);
    const tools = r.events.filter((e) => e.type === 'tool_use').map((e) => (e.part as { tool: string; state: { status: string } }));
    assert.deepEqual(tools.map((t) => [t.tool, t.state.status]), [['write', 'completed'], ['bash', 'completed']]);
    assert.deepEqual(gemini.complaints, []);
    const mine = await spendOf(proxy, 'oc-gemini');
    assert.equal(mine.length, gemini.totals.calls - t0.calls);
    assert.deepEqual(sums(mine), {
      input: gemini.totals.input - t0.input,
      output: gemini.totals.output - t0.output,
      cacheRead: gemini.totals.cacheRead - t0.cacheRead,
    });
  });

  test('OpenCode → OpenAI surface → sim speaking Anthropic Messages upstream', async () => {
    const dir = ws();
    const before = await simUp.spend();
    const r = await runOpenCode({ baseUrl: `${proxy.url}/cell/oc-anthropic/v1`, token: proxy.cellToken('oc-anthropic'), cwd: dir, prompt: 'Create hello.txt and show it.', alias: 'via-anthropic', cellId: 'oc-anthropic' });
    assert.equal(r.exitCode, 0, r.stderr.slice(-2000));
    assert.ok(existsSync(join(dir, 'hello.txt')), r.stdout.slice(-3000));
    assert.equal(readFileSync(join(dir, 'hello.txt'), 'utf8'), CONTENT);
    await checkUpstreamSums('oc-anthropic', before);
    const up = (await simUp.spend()).slice(before.length);
    assert.ok(up.every((x) => x.surface === 'anthropic'), 'the upstream was spoken to in Anthropic Messages');
  });
});
