/**
 * Durability: the real `agentab proxy` process under concurrent streaming load gets SIGTERM;
 * every request that reached it has exactly one spend line, and every completed one is there
 * with its usage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const ROOT = new URL('../../', import.meta.url).pathname;

async function scenario(graceMs: number, n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'agentab-dur-'));
  const cfg = join(dir, 'proxy.yaml');
  const spend = join(dir, 'spend.jsonl');
  writeFileSync(
    cfg,
    `model_list:
  - model_name: shared-model
    litellm_params:
      model: sim/sim-default
      sim: { ttft_ms: 300, ttft_ms_per_1k_tokens: 0, tokens_per_second: 150, answer_tokens: 60, jitter: 0 }
`,
  );
  const child = spawn(process.execPath, [join(ROOT, 'bin/agentab.js'), 'proxy', '--config', cfg, '--port', '0', '--spend-log', spend, '--grace', String(graceMs), '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  const rl = createInterface({ input: child.stdout });
  const url = await Promise.race([
    once(rl, 'line').then(([l]) => l as string),
    exited.then(([c]) => {
      throw new Error(`agentab proxy exited (${c}) before listening:\n${stderr}`);
    }),
  ]);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, stderr);

  let started = 0;
  let signalled = false;
  const requests = Array.from({ length: n }, async (_, i) => {
    const r = await fetch(`${url}/cell/req-${i}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'shared-model', stream: true, messages: [{ role: 'user', content: `request ${i}` }] }),
    });
    started++;
    if (started === n && !signalled) {
      signalled = true;
      child.kill('SIGTERM'); // every request has its headers: all are in flight now
    }
    const text = await r.text().catch(() => '');
    return { i, status: r.status, complete: text.trimEnd().endsWith('data: [DONE]') };
  });
  const results = await Promise.allSettled(requests);
  const [code] = (await exited) as [number | null];
  const lines = readFileSync(spend, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; cell: string; status: number; error: unknown; usage: { input: number; output: number } });
  return { results, lines, code, stderr };
}

test('SIGTERM under load with a grace period: every stream completes and is logged exactly once', async () => {
  const n = 24;
  const { results, lines, code, stderr } = await scenario(10_000, n);
  assert.equal(code, 0, stderr);
  const done = results.filter((r) => r.status === 'fulfilled' && r.value.complete);
  assert.equal(done.length, n, 'all in-flight streams finished during the grace period');
  assert.equal(lines.length, n);
  assert.equal(new Set(lines.map((l) => l.id)).size, n, 'no duplicate lines');
  assert.deepEqual(new Set(lines.map((l) => l.cell)), new Set(Array.from({ length: n }, (_, i) => `req-${i}`)));
  for (const l of lines) {
    assert.equal(l.error, null);
    assert.ok(l.usage.input > 0 && l.usage.output > 0);
  }
});

test('SIGTERM with no grace: cut streams are still logged exactly once, nothing lost', async () => {
  const n = 16;
  const { results, lines, stderr } = await scenario(0, n);
  assert.equal(lines.length, n, stderr);
  assert.equal(new Set(lines.map((l) => l.cell)).size, n);
  const completed = results.filter((r) => r.status === 'fulfilled' && r.value.complete).map((r) => (r as PromiseFulfilledResult<{ i: number }>).value.i);
  for (const i of completed) {
    const l = lines.find((x) => x.cell === `req-${i}`)!;
    assert.equal(l.error, null, `request ${i} completed, so its line has no error`);
  }
});
