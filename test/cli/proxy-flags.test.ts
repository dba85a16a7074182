/**
 * `agentab proxy` and `agentab sim` flags through real processes: `--log-level` takes only the
 * logger's levels, from the flag or from AGENTAB_LOG_LEVEL; AGENTAB_PROXY_PORT and
 * AGENTAB_PROXY_HOST are the proxy's defaults of --port and --host (the flags win); and
 * `--otlp-header` with no OTLP endpoint anywhere is refused instead of dropped.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'agentab.js');
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

function refused(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0, `agentab ${args.join(' ')} should be refused:\n${r.stdout}`);
  return r.stderr;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `agentab proxy` with `env`, returns the URL it prints and what it logged until then, then stops it. */
async function proxyUrl(args: string[], env: Record<string, string>): Promise<{ url: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'proxy', ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [url] = (await once(lines, 'line')) as [string];
    clearTimeout(timer);
    return { url, stderr };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

describe('proxy and sim flags', () => {
  test('--log-level takes only the logger\'s levels, from the flag or from AGENTAB_LOG_LEVEL', () => {
    assert.match(refused(['proxy', '--log-level', 'verbose']), /'verbose' is invalid\. Allowed choices are debug, info, warn, error, silent/);
    assert.match(refused(['sim', '--log-level', 'bogus']), /'bogus' is invalid/);
    assert.match(refused(['sim'], { AGENTAB_LOG_LEVEL: 'loud' }), /value 'loud' from env 'AGENTAB_LOG_LEVEL' is invalid/);
    assert.match(refused(['proxy', '--port', '70000']), /option '-p, --port <n>' argument '70000' is invalid\. expected a port, an integer 0–65535/);
    // the simulator's flags take what its YAML keys take
    assert.match(refused(['sim', '--error-rate', '2']), /option '--error-rate <p>' argument '2' is invalid\. expected a probability, 0 to 1/);
    assert.match(refused(['sim', '--stall-rate', '7']), /'7' is invalid\. expected a probability, 0 to 1/);
    assert.match(refused(['sim', '--tokens-per-second', '-1']), /'-1' is invalid\. expected a number, 0 or more/);
    assert.match(refused(['sim', '--answer-tokens', '1.5']), /'1\.5' is invalid\. expected a whole number, 0 or more/);
    assert.match(refused(['proxy', '--grace', '-1']), /'-1' is invalid\. expected a number, 0 or more/);
  });

  test('AGENTAB_PROXY_PORT, AGENTAB_PROXY_HOST and AGENTAB_LOG_LEVEL are the proxy\'s defaults; a flag wins', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const fromEnv = await proxyUrl([], { AGENTAB_PROXY_PORT: String(port), AGENTAB_PROXY_HOST: '127.0.0.1', AGENTAB_LOG_LEVEL: 'warn' });
    assert.equal(fromEnv.url, `http://127.0.0.1:${port}`);
    assert.doesNotMatch(fromEnv.stderr, / INFO /, 'AGENTAB_LOG_LEVEL=warn keeps the INFO lines out');
    const flagWins = await proxyUrl(['--port', '0', '--log-level', 'info'], { AGENTAB_PROXY_PORT: String(port), AGENTAB_LOG_LEVEL: 'error' });
    assert.notEqual(flagWins.url, `http://127.0.0.1:${port}`);
    assert.match(flagWins.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(flagWins.stderr, / INFO .*listening on/);
    assert.match(refused(['proxy'], { AGENTAB_PROXY_PORT: 'x' }), /value 'x' from env 'AGENTAB_PROXY_PORT' is invalid/);
    // An address of no interface here (TEST-NET-1): bind() fails locally, nothing is sent anywhere.
    assert.match(refused(['proxy', '--port', '0'], { AGENTAB_PROXY_HOST: '192.0.2.1' }), /cannot listen on 192\.0\.2\.1:0 \(--host\/--port, or AGENTAB_PROXY_HOST\/AGENTAB_PROXY_PORT\): listen EADDRNOTAVAIL/);
  });

  test('--otlp-header with no OTLP endpoint anywhere is refused', () => {
    assert.match(refused(['proxy', '--port', '0', '--otlp-header', 'x-team=blue']), /--otlp-header: no OTLP endpoint to send it to; give --otlp-endpoint <url> or general_settings\.otlp_endpoint/);
  });
});
