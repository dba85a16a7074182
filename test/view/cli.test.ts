/**
 * `agentab view` as a user starts it: the real CLI process on a results directory, the URL it
 * prints (loopback, the port asked for or any free one), the runs behind that URL, and Ctrl-C
 * stopping it while a page holds its live-update stream open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsCopy } from './helpers.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'agentab.js');

test('agentab view prints a loopback URL that serves the runs, and stops on Ctrl-C with a live page open', async () => {
  const root = await resultsCopy();
  const child = spawn(process.execPath, [BIN, 'view', root, '--port', '0', '--no-cache'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const controller = new AbortController();
  try {
    const deadline = Date.now() + 120_000;
    while (!/open (http:\/\/\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const url = /open (http:\/\/\S+)/.exec(out)?.[1];
    assert.ok(url, `no URL printed; stdout: ${out} stderr: ${err}`);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(out, /2 run\(s\) under /);
    const { runs } = (await (await fetch(`${url}api/runs`)).json()) as { runs: { experiment: string }[] };
    assert.deepEqual(runs.map((r) => r.experiment), ['pilot', 'pilot']);
    const events = await fetch(`${url}api/events`, { signal: controller.signal });
    assert.equal(events.status, 200);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 60 s after Ctrl-C'), 60_000).unref())]);
    assert.equal(code, 0, `exit: ${code}; stderr: ${err}`);
  } finally {
    controller.abort();
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});
