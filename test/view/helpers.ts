/** A results directory for viewer tests: copies of real pilot runs (checked in under fixtures/). */
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_RUNS = ['pilot-a', 'pilot-b'] as const;

/** results/pilot/<runId>/… for each fixture run, in a fresh temp dir (tests may write to it). */
export async function resultsCopy(runs: readonly string[] = FIXTURE_RUNS): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'agentab-view-'));
  for (const run of runs) {
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(await readFile(path.join(here, 'fixtures', run, 'manifest.json'), 'utf8')) as { runId: string };
    await cp(path.join(here, 'fixtures', run), path.join(root, 'pilot', manifest.runId), { recursive: true });
  }
  return root;
}

/** One raw HTTP/1.1 GET over a socket, so the path reaches the server exactly as written. */
export async function rawGet(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${target}`)));
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const extra = Object.entries({ host: `127.0.0.1:${port}`, connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${target} HTTP/1.1\r\n${extra}\r\n`);
  });
}
