/**
 * Interleaved A/B of two agentab builds on the large pass-through: the 126 kB Claude Code
 * request (bench/lib/claude-code-request.ts) sent at concurrency 1 to each build's proxy and
 * passed through to a fake Anthropic upstream, in alternating blocks. Prints each build's proxy
 * CPU per request (from /proc, the figure least moved by other load) and its spend log's
 * overheadMs p50/p90 (compare those only between builds that count it the same way).
 *
 *   npm run build && (cd ../before && npm run build)
 *   npx tsx bench/passthrough-ab.ts --before ../before [--mode json|stream] [--blocks 20] [--block 25]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { processCpuMs } from './lib/cpu-time.ts';
import { claudeCodeRequest } from './lib/claude-code-request.ts';
import { startFakeUpstreams } from './lib/fake-upstreams.ts';
import { intFlag, stringFlag } from './lib/flags.ts';
import { firstLineUrl, startService, type Service } from './lib/service.ts';
import { REPO_ROOT } from './lib/targets.ts';

interface Build {
  tag: 'before' | 'after';
  proxy: Service;
  pool: Pool;
  spendLog: string;
  cpuMs: number;
  requests: number;
}

async function main(argv: string[]): Promise<void> {
  const beforeArg = stringFlag(argv, 'before', '');
  if (!beforeArg) throw new Error('--before <dir>: another checkout of agentab with dist/ built is required');
  const mode = stringFlag(argv, 'mode', 'json');
  if (mode !== 'json' && mode !== 'stream') throw new Error(`--mode: expected json or stream, got "${mode}"`);
  const blocks = intFlag(argv, 'blocks', 20);
  const block = intFlag(argv, 'block', 25);
  const warmup = 100;
  const dir = mkdtempSync(join(tmpdir(), 'agentab-passthrough-ab-'));
  const upstream = await startFakeUpstreams();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `model_list:\n  - model_name: to-anthropic\n    litellm_params: { model: anthropic/claude-bench, api_base: ${upstream.url}, api_key: sk-ant-bench-not-a-real-key }\n`);
  const builds: Build[] = [];
  try {
    for (const [tag, root] of [['before', resolve(beforeArg)], ['after', REPO_ROOT]] as const) {
      const spendLog = join(dir, `${tag}.jsonl`);
      const proxy = await startService({
        name: `agentab proxy (${tag})`,
        command: process.execPath,
        args: [join(root, 'bin', 'agentab.js'), 'proxy', '--config', config, '--port', '0', '--host', '127.0.0.1', '--spend-log', spendLog, '--log-level', 'warn'],
        cwd: root,
        env: { ...process.env, AGENTAB_RUN_FROM: 'dist' },
        ready: firstLineUrl,
      });
      builds.push({ tag, proxy, pool: new Pool(proxy.url, { connections: 1 }), spendLog, cpuMs: 0, requests: 0 });
    }
    const body = JSON.stringify(claudeCodeRequest('to-anthropic', mode === 'stream').body);
    const send = async (b: Build) => {
      const res = await b.pool.request({ path: '/v1/messages', method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${b.tag}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    };
    for (const b of builds) for (let i = 0; i < warmup; i++) await send(b);
    const loads = [loadavg()[0] ?? 0];
    for (let n = 0; n < blocks; n++) {
      // Alternate which build goes first, so neither always follows the other.
      for (const b of n % 2 ? [...builds].reverse() : builds) {
        const before = processCpuMs(b.proxy.pid) ?? NaN;
        for (let i = 0; i < block; i++) await send(b);
        b.cpuMs += (processCpuMs(b.proxy.pid) ?? NaN) - before;
        b.requests += block;
      }
    }
    loads.push(loadavg()[0] ?? 0);
    for (const b of builds) {
      await b.pool.close();
      await b.proxy.stop(); // flushes the spend log
    }
    process.stdout.write(`# 126 kB pass-through to Anthropic, ${mode}, c=1: ${blocks} alternating blocks of ${block} per build · load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n\n`);
    process.stdout.write('| build | proxy CPU µs/request | overheadMs p50 | overheadMs p90 | requests |\n| --- | --: | --: | --: | --: |\n');
    for (const b of builds) {
      const overhead = readFileSync(b.spendLog, 'utf8')
        .trim()
        .split('\n')
        .slice(warmup)
        .map((line) => (JSON.parse(line) as { overheadMs: number }).overheadMs)
        .sort((x, y) => x - y);
      const at = (q: number) => overhead[Math.min(overhead.length - 1, Math.floor(q * overhead.length))]?.toFixed(2) ?? '–';
      process.stdout.write(`| ${b.tag} | ${((b.cpuMs * 1000) / b.requests).toFixed(0)} | ${at(0.5)} | ${at(0.9)} | ${b.requests} |\n`);
    }
  } finally {
    for (const b of builds) await b.proxy.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench/passthrough-ab: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
