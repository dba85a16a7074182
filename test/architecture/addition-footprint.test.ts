/**
 * What adding a backend or a surface costs, measured: in a scratch copy of src/, add a new
 * backend folder and a new surface folder, each registered with one line, then count the
 * existing files that changed (only the two registries may) and prove the additions work by
 * serving a request on the new surface, routed by the unchanged config loader to the new
 * backend, with the spend record naming both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceFiles } from './import-graph.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

const ECHO_BACKEND = `
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import { countRequestTokens } from '../../../canonical/tokens.ts';
import type { BackendAdapter } from '../types.ts';

function lastUserText(req: CanonicalRequest): string {
  const user = [...req.messages].reverse().find((m) => m.role === 'user');
  return user?.content.map((p) => (p.type === 'text' ? p.text : '')).join('') ?? '';
}

class EchoBackend implements BackendAdapter {
  readonly kind = 'echo';
  async generate(req: CanonicalRequest): Promise<CanonicalResponse> {
    const text = 'echo: ' + lastUserText(req);
    return { id: 'echo-1', model: 'echo', content: [{ type: 'text', text }], finish: 'stop', usage: { input: countRequestTokens(req), output: 2, cacheRead: 0, cacheWrite: 0, reasoning: 0 } };
  }
  async stream(req: CanonicalRequest): Promise<ReadableStream<StreamPart>> {
    const res = await this.generate(req);
    const text = res.content[0]!.type === 'text' ? res.content[0]!.text : '';
    const parts: StreamPart[] = [
      { type: 'message-start', id: res.id, model: res.model },
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, text },
      { type: 'block-end', index: 0 },
      { type: 'finish', reason: 'stop', usage: res.usage },
    ];
    return new ReadableStream({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } });
  }
}

export const createBackend = (): BackendAdapter => new EchoBackend();
`;

const PLAIN_SURFACE = `
import { ProxyError } from '../../../canonical/errors.ts';
import type { SurfaceFactory } from '../../surface.ts';

/** A toy dialect: POST /plain/{model}:say with {"text": "..."} answers {"reply": "...", "tokens": n}. */
export const createSurface: SurfaceFactory = () => ({
  dialect: 'plain',
  routes: [{ method: 'POST', path: '/plain/{model}:say', kind: 'generate', endpoint: 'say', model: 'path' }],
  errorPathPrefixes: ['/plain/'],
  forwardHeaders: [],
  peek: (_body, match) => ({ alias: match.params.model!, stream: false, clientWantsUsage: false }),
  decode: (body, match) => ({
    model: match.params.model!,
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: String(body.text ?? '') }] }],
    tools: [],
    stream: false,
    sourceDialect: 'plain',
  }),
  encodeError: (e: ProxyError) => ({ status: e.status, body: { problem: e.message } }),
  encodeResponse: (res) => ({ reply: res.content.map((p) => (p.type === 'text' ? p.text : '')).join(''), tokens: res.usage.output }),
  streamEncoder: () => { throw new ProxyError('plain does not stream', { code: 'no_stream', kind: 'invalid_request' }); },
  errorFrame: (e) => new TextEncoder().encode(e.message),
  sseTapCore: () => ({ push: (b) => b, end: () => '' }),
  jsonTap: () => ({ toolCalls: 0 }),
});
`;

/** Inserts `line` after the last line matching `after` (the registry's last entry). */
function register(file: string, after: RegExp, line: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  let at = -1;
  lines.forEach((l, i) => {
    if (after.test(l)) at = i;
  });
  assert.ok(at >= 0, `no registration point in ${file}`);
  lines.splice(at + 1, 0, line);
  writeFileSync(file, lines.join('\n'));
}

function snapshot(root: string): Map<string, string> {
  return new Map(sourceFiles(root).map((f) => [path.relative(root, f), readFileSync(f, 'utf8')]));
}

test('adding a backend and a surface touches only their folders and one line in each registry', async () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'agentab-footprint-'));
  try {
    const src = path.join(scratch, 'src');
    cpSync(path.join(REPO, 'src'), src, { recursive: true });
    cpSync(path.join(REPO, 'package.json'), path.join(scratch, 'package.json'));
    symlinkSync(path.join(REPO, 'node_modules'), path.join(scratch, 'node_modules'));
    const before = snapshot(src);

    mkdirSync(path.join(src, 'proxy/backends/echo'));
    writeFileSync(path.join(src, 'proxy/backends/echo/index.ts'), ECHO_BACKEND);
    register(path.join(src, 'proxy/backends/registry.ts'), /^\s+\w+: \(\) => import\(/, `  echo: () => import('./echo/index.ts'),`);
    mkdirSync(path.join(src, 'proxy/surfaces/plain'));
    writeFileSync(path.join(src, 'proxy/surfaces/plain/index.ts'), PLAIN_SURFACE);
    register(path.join(src, 'proxy/surfaces/registry.ts'), /^\s+\(\) => import\(/, `  () => import('./plain/index.ts'),`);

    const after = snapshot(src);
    const changed = [...before.keys()].filter((f) => after.get(f) !== before.get(f));
    const added = [...after.keys()].filter((f) => !before.has(f));
    const changedLines = changed.map((f) => {
      const a = before.get(f)!.split('\n');
      const b = after.get(f)!.split('\n');
      return b.length - a.length;
    });
    console.log(`existing files touched: ${changed.length} (${changed.join(', ')}), lines added there: ${changedLines.join(', ')}; new files: ${added.join(', ')}`);
    assert.deepEqual(changed, ['proxy/backends/registry.ts', 'proxy/surfaces/registry.ts']);
    assert.deepEqual(changedLines, [1, 1], 'one registration line each');
    assert.deepEqual(added.sort(), ['proxy/backends/echo/index.ts', 'proxy/surfaces/plain/index.ts']);

    // The additions work with no other change: the config loader accepts `echo/…`, the route
    // table serves `/plain/{model}:say`, and the spend record names the new surface and backend.
    const { parseProxyConfig } = (await import(pathToFileURL(path.join(src, 'config/proxy-config.ts')).href)) as typeof import('../../src/config/proxy-config.ts');
    const { startProxy } = (await import(pathToFileURL(path.join(src, 'proxy/index.ts')).href)) as typeof import('../../src/proxy/index.ts');
    const { silentLogger } = await import('../../src/util/log.ts');
    const config = parseProxyConfig('model_list:\n  - model_name: echo-model\n    litellm_params:\n      model: echo/anything\n', { source: 'footprint.yaml', env: {} });
    const proxy = await startProxy({ config, log: silentLogger });
    const records: Array<{ surface: string; backend: string | null; endpoint: string; alias: string }> = [];
    proxy.onSpend((r) => records.push(r));
    try {
      const res = await fetch(`${proxy.url}/cell/c1/plain/echo-model:say`, { method: 'POST', body: JSON.stringify({ text: 'hello' }) });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { reply: 'echo: hello', tokens: 2 });
      const chat = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await chat.json()) as { choices: Array<{ message: { content: string } }> };
      assert.equal(body.choices[0]?.message.content, 'echo: hi');
      const missing = await fetch(`${proxy.url}/plain/nope`, { method: 'POST', body: '{}' });
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { problem: string }).problem, /no route/);
    } finally {
      await proxy.close();
    }
    assert.deepEqual(
      records.map((r) => [r.surface, r.endpoint, r.backend, r.alias]),
      [
        ['plain', 'say', 'echo', 'echo-model'],
        ['openai', 'chat', 'echo', 'echo-model'],
      ],
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
