/**
 * Shutdown of a real `agentab proxy` process: whatever way it stops, every request it took has
 * exactly one spend line. A request our shutdown cut is recorded with a `shutdown` error (not as
 * the client leaving), and a second Ctrl-C, which exits at once, still writes every line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import OpenAI from 'openai';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';

const BIN = fileURLToPath(new URL('../../bin/agentab.js', import.meta.url));

const CONFIG = `model_list:
  - model_name: fast
    litellm_params: {model: sim/fast, sim: {ttft_ms: 0, tokens_per_second: 100000, jitter: 0}}
  - model_name: slow
    litellm_params: {model: sim/slow, sim: {ttft_ms: 120000, jitter: 0}}
`;

interface Running {
  child: ResultPromise;
  url: string;
  spendPath: string;
}

async function startProxyProcess(grace: number): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'agentab-shutdown-'));
  const config = join(dir, 'proxy.yaml');
  writeFileSync(config, CONFIG);
  const spendPath = join(dir, 'spend.jsonl');
  const child = execa(process.execPath, [BIN, 'proxy', '--config', config, '--port', '0', '--spend-log', spendPath, '--grace', String(grace), '--log-level', 'warn'], {
    reject: false,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`proxy exited early: ${r.stderr}`)));
  });
  return { child, url, spendPath };
}

function readSpend(path: string): SpendRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SpendRecord);
}

async function waitFor(f: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('proxy shutdown keeps every spend line', { timeout: 180_000 }, () => {
  test('a second Ctrl-C exits at once and still writes the finished and the cut requests', async () => {
    const p = await startProxyProcess(60_000);
    const client = new OpenAI({ baseURL: `${p.url}/cell/cell-a/v1`, apiKey: 'any', maxRetries: 0, timeout: 120_000 });
    await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    const slow = [0, 1].map(() => client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'wait' }] }).catch((e: unknown) => e));
    await sleep(1000); // both slow requests are in flight at the proxy
    p.child.kill('SIGINT');
    await sleep(500); // the first signal drains (grace 60 s): nothing is cut yet
    p.child.kill('SIGINT');
    const result = await p.child;
    await Promise.all(slow);
    assert.equal(result.exitCode, 130, String(result.stderr));

    const recs = readSpend(p.spendPath);
    assert.equal(recs.length, 3, JSON.stringify(recs));
    const fast = recs.find((r) => r.alias === 'fast')!;
    assert.equal(fast.status, 200);
    const cut = recs.filter((r) => r.alias === 'slow');
    assert.equal(cut.length, 2);
    for (const r of cut) {
      assert.equal(r.error?.code, 'shutdown');
      assert.equal(r.status, 503);
      assert.equal(r.cell, 'cell-a');
    }
  });

  test('when the grace period runs out, cut requests are recorded as shut down, not as the client leaving', async () => {
    const p = await startProxyProcess(300);
    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'any', maxRetries: 0, timeout: 120_000 });
    const slow = client.chat.completions.create({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'wait' }] }).catch((e: unknown) => e);
    await sleep(1000);
    p.child.kill('SIGTERM');
    const result = await p.child;
    await slow;
    assert.equal(result.exitCode, 0, String(result.stderr));
    await waitFor(() => readSpend(p.spendPath).length > 0, 'the spend line');
    const [rec] = readSpend(p.spendPath);
    assert.equal(rec!.error?.code, 'shutdown');
    assert.equal(rec!.error?.kind, 'unavailable');
  });
});
