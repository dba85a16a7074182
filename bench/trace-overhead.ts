/**
 * The cost of the proxy's phase timing (spend-line `phases`) on throughput: two proxies on the
 * same simulator config, one with phase timing and one without, loaded in alternating rounds
 * (ABAB…) in the same run, so machine load hits both alike. Prints requests/s of each and the
 * ratio. Usage: npx tsx bench/trace-overhead.ts [--rounds 6] [--round-ms 2000] [--concurrency 16]
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { parseProxyConfig } from '../src/config/proxy-config.ts';
import { startProxy, type RunningProxy } from '../src/proxy/index.ts';
import { silentLogger } from '../src/util/log.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, 'round-ms': { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '16' } } });
const rounds = Number(values.rounds);
const roundMs = Number(values['round-ms']);
const concurrency = Number(values.concurrency);

const YAML = `
model_list:
  - model_name: bench
    litellm_params:
      model: sim/sim-default
      sim: { seed: 1, ttft_ms: 0, ttft_ms_per_1k_tokens: 0, tokens_per_second: 1000000, jitter: 0, answer_tokens: 40 }
`;

async function round(proxy: RunningProxy, ms: number): Promise<number> {
  const url = `${proxy.url}/v1/chat/completions`;
  const end = performance.now() + ms;
  let done = 0;
  const worker = async (i: number) => {
    while (performance.now() < end) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cell-id': `bench-${i}` }, body: JSON.stringify({ model: 'bench', stream: i % 2 === 0, messages: [{ role: 'user', content: 'hello' }] }) });
      await res.arrayBuffer();
      if (res.status === 200) done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  return done / ((performance.now() - t0) / 1000);
}

const config = parseProxyConfig(YAML, { source: 'bench', env: {} });
const on = await startProxy({ config, log: silentLogger, spendLogPath: null, phaseTiming: true });
const off = await startProxy({ config, log: silentLogger, spendLogPath: null, phaseTiming: false });
try {
  await round(on, 500);
  await round(off, 500); // warm-up
  const rps = { on: [] as number[], off: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    // alternate which goes first, so drift in machine load does not favour one side
    const order = i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const which of order) rps[which].push(await round(which === 'on' ? on : off, roundMs));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const ratio = median(rps.on) / median(rps.off);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`phase timing off: median ${median(rps.off).toFixed(0)} req/s over ${rounds} rounds (${rps.off.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`phase timing on:  median ${median(rps.on).toFixed(0)} req/s over ${rounds} rounds (${rps.on.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`throughput ratio on/off: ${ratio.toFixed(3)} (${((1 - ratio) * 100).toFixed(1)}% cost; goal < 2%) · concurrency ${concurrency} · load average ${load}`);
} finally {
  await on.close(1000);
  await off.close(1000);
}
