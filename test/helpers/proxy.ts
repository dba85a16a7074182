/** Starts a proxy from YAML text with a spend log in a temp dir; reads the log back. */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProxyConfig } from '../../src/config/proxy-config.ts';
import { startProxy, type RunningProxy, type StartProxyOptions } from '../../src/proxy/index.ts';
import type { SpendRecord } from '../../src/proxy/spend/record.ts';
import { silentLogger } from '../../src/util/log.ts';

export interface TestProxy extends RunningProxy {
  spendPath: string;
  dir: string;
  /** Flushes, then returns every spend line written so far. */
  spend(): Promise<SpendRecord[]>;
  spendText(): Promise<string>;
}

export async function startTestProxy(yaml: string, env: NodeJS.ProcessEnv = {}, extra: Partial<StartProxyOptions> = {}): Promise<TestProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'agentab-test-'));
  const spendPath = join(dir, 'spend.jsonl');
  const config = parseProxyConfig(yaml, { source: 'test.yaml', env });
  const p = await startProxy({
    config,
    spendLogPath: spendPath,
    runId: 'run-test',
    log: silentLogger,
    router: { sleep: async () => {} , ...(extra.router ?? {}) },
    ...extra,
  });
  const spendText = async () => {
    await p.flush();
    return existsSync(spendPath) ? readFileSync(spendPath, 'utf8') : '';
  };
  return Object.assign(p, {
    spendPath,
    dir,
    spendText,
    async spend() {
      const t = await spendText();
      return t
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SpendRecord);
    },
  });
}
