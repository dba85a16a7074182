/**
 * CLI start-up: `--help` and `--version` load only the command declarations (no action
 * module, no heavy dependency), and bin/launch.js runs compiled code only when it was built
 * from exactly the sources on disk.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseCode, distIsFresh, sourceFingerprint, sourceStats } from '../../bin/launch.js';
import { VERSION } from '../../src/version.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'agentab.js');
const RECORDER = join(ROOT, 'test', 'helpers', 'record-imports.mjs');

/** Packages that must not load before a command that needs them runs. */
const HEAVY = ['vega', 'vega-lite', 'dockerode', 'google-auth-library', 'undici', 'zod', 'yaml', 'prom-client', 'gpt-tokenizer', 'execa', 'cli-progress', 'simple-statistics', 'eventsource-parser'];

function runCli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `agentab ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}

/** The modules `agentab <args>` resolved, as paths relative to the repo (packages as `node_modules/<name>`). */
function loadedModules(args: string[], runFrom: 'src' | 'dist'): { out: string; modules: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'agentab-startup-'));
  const log = join(dir, 'imports.log');
  writeFileSync(log, '');
  try {
    const r = runCli(args, { AGENTAB_RUN_FROM: runFrom, RECORD_IMPORTS_TO: log, NODE_OPTIONS: `--import=${RECORDER}` });
    const modules = readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith('file://'))
      .map((url) => fileURLToPath(url))
      .filter((path) => path.startsWith(ROOT))
      .map((path) => path.slice(ROOT.length));
    return { out: r.stdout, modules: [...new Set(modules)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function packagesIn(modules: string[]): string[] {
  const names = new Set<string>();
  for (const m of modules) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names];
}

function assertLazy(modules: string[], codeDir: 'src' | 'dist') {
  assert.ok(modules.includes(`${codeDir}/cli/main.${codeDir === 'src' ? 'ts' : 'js'}`), `the recorder saw main: ${modules.join(', ')}`);
  const actions = modules.filter((m) => m.startsWith(`${codeDir}/cli/`) && !m.startsWith(`${codeDir}/cli/commands/`) && !/\/cli\/main\.[tj]s$/.test(m));
  assert.deepEqual(actions, [], 'no action module loads for --help');
  const heavy = packagesIn(modules).filter((p) => HEAVY.includes(p));
  assert.deepEqual(heavy, [], 'no heavy dependency loads for --help');
  const work = modules.filter((m) => /^(src|dist)\/(proxy|experiment|stats|sim)\//.test(m));
  assert.deepEqual(work, [], 'no proxy, experiment, stats or simulator module loads for --help');
}

describe('agentab start-up', () => {
  test('--version prints the package version', () => {
    assert.equal(runCli(['--version'], { AGENTAB_RUN_FROM: 'src' }).stdout.trim(), VERSION);
  });

  test('--help from the sources lists every command and loads only their declarations', () => {
    const { out, modules } = loadedModules(['--help'], 'src');
    for (const command of ['run-matrix', 'plan', 'proxy', 'sim', 'report', 'image', 'clean']) assert.match(out, new RegExp(`^  ${command}\\b`, 'm'));
    assertLazy(modules, 'src');
  });

  test('a command loads its action module when it runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-startup-'));
    const log = join(dir, 'imports.log');
    writeFileSync(log, '');
    try {
      const r = spawnSync(process.execPath, [BIN, 'report', join(dir, 'missing')], {
        env: { ...process.env, AGENTAB_RUN_FROM: 'src', RECORD_IMPORTS_TO: log, NODE_OPTIONS: `--import=${RECORDER}` },
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^agentab: /m);
      assert.match(readFileSync(log, 'utf8'), /\/src\/cli\/report\.ts\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('compiled --help is as lazy as the sources (when dist/ is built from the current sources)', (t) => {
    if (!distIsFresh()) {
      t.skip('dist/ is not built from the current sources (npm run build); CI builds it');
      return;
    }
    const { out, modules } = loadedModules(['--help'], 'dist');
    assert.match(out, /^  run-matrix\b/m);
    assertLazy(modules, 'dist');
    assert.equal(runCli(['--version'], { AGENTAB_RUN_FROM: 'dist' }).stdout.trim(), VERSION);
  });
});

/**
 * What `agentab proxy <args>` resolved until it printed its URL (ready to serve): the packages,
 * and the module files relative to the repo. `use` runs against the ready proxy before it stops.
 */
async function loadedByProxy(args: string[], runFrom: 'src' | 'dist' = 'src', use?: (url: string) => Promise<void>): Promise<{ packages: string[]; files: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentab-startup-'));
  const log = join(dir, 'imports.log');
  writeFileSync(log, '');
  const child = spawn(process.execPath, [BIN, 'proxy', '--port', '0', '--log-level', 'warn', ...args], {
    env: { ...process.env, AGENTAB_RUN_FROM: runFrom, AGENTAB_CONFIG: '', RECORD_IMPORTS_TO: log, NODE_OPTIONS: `--import=${RECORDER}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = once(child, 'exit');
  try {
    const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [null])])) as [string | null];
    assert.match(line ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, `agentab proxy did not get ready:\n${stderr}`);
    const paths = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file://')).map((url) => fileURLToPath(url));
    if (use) await use(line as string);
    return { packages: packagesIn(paths), files: [...new Set(paths.filter((path) => path.startsWith(ROOT)).map((path) => path.slice(ROOT.length)))] };
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const packagesLoadedByProxy = async (args: string[]): Promise<string[]> => (await loadedByProxy(args)).packages;

describe('agentab proxy start-up', () => {
  const optional = ['yaml', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http'];

  test('without a config file or an OTLP endpoint, neither the YAML parser nor the OpenTelemetry SDK loads', async () => {
    const loaded = await packagesLoadedByProxy([]);
    assert.ok(loaded.includes('undici'), `the recorder saw the proxy's packages: ${loaded.join(', ')}`);
    assert.deepEqual(optional.filter((p) => loaded.includes(p)), []);
  });

  test('--config loads the YAML parser and --otlp-endpoint the OpenTelemetry SDK', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-startup-'));
    try {
      const config = join(dir, 'config.yaml');
      writeFileSync(config, 'model_list:\n  - model_name: shared-model\n    litellm_params: { model: sim/sim-model }\n');
      const loaded = await packagesLoadedByProxy(['--config', config, '--otlp-endpoint', 'http://127.0.0.1:9']);
      assert.deepEqual(optional.filter((p) => !loaded.includes(p)), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('compiled, it loads one bundle (scripts/bundle-proxy.js) instead of hundreds of files, and serves from it', async (t) => {
    if (!distIsFresh()) {
      t.skip('dist/ is not built from the current sources (npm run build); CI builds it');
      return;
    }
    let answer: { choices?: { message?: { content?: string } }[] } = {};
    const { packages, files } = await loadedByProxy([], 'dist', async (url) => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'shared-model', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(response.status, 200);
      answer = (await response.json()) as typeof answer;
    });
    assert.ok(files.includes('dist/proxy.bundle.js'), `the bundle ran: ${files.join(', ')}`);
    assert.deepEqual(files.filter((f) => /^dist\/(proxy|canonical|sim)\//.test(f)), [], 'no unbundled proxy module loads');
    assert.deepEqual(packages.filter((p) => ['undici', 'zod', 'prom-client', 'eventsource-parser'].includes(p)), [], 'the packages on the way to ready are inside the bundle');
    // unbundled: ~125 of our files and ~95 of zod's
    assert.ok(files.length < 60, `${files.length} files resolved: ${files.join(', ')}`);
    assert.match(answer.choices?.[0]?.message?.content ?? '', /\w/, 'the simulator answered through the bundled proxy');
  });
});

describe('bin/launch.js: compiled code runs only when it matches the sources', () => {
  // A miniature package: bin/ from the repo, src/cli/main.ts and dist/cli/main.js that say which ran.
  const pkg = mkdtempSync(join(tmpdir(), 'agentab-launch-'));
  mkdirSync(join(pkg, 'bin'));
  mkdirSync(join(pkg, 'src', 'cli'), { recursive: true });
  mkdirSync(join(pkg, 'dist', 'cli'), { recursive: true });
  for (const f of ['agentab.js', 'launch.js']) copyFileSync(join(ROOT, 'bin', f), join(pkg, 'bin', f));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'package.json'), '{"type": "module"}\n');
  writeFileSync(join(pkg, 'tsconfig.json'), '{}\n');
  writeFileSync(join(pkg, 'tsconfig.build.json'), '{"extends": "./tsconfig.json"}\n');
  const mainTs = join(pkg, 'src', 'cli', 'main.ts');
  writeFileSync(mainTs, "export async function main(argv: string[]): Promise<void> { process.stdout.write('src ' + argv.slice(2).join(' ')); }\n");
  writeFileSync(join(pkg, 'dist', 'cli', 'main.js'), "export async function main(argv) { process.stdout.write('dist ' + argv.slice(2).join(' ')); }\n");
  const stamp = () => writeFileSync(join(pkg, 'dist', '.build-stamp'), JSON.stringify({ sources: sourceFingerprint(pkg), stats: sourceStats(pkg) }));
  const run = (env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(pkg, 'bin', 'agentab.js'), 'x', 'y'], { env: { ...process.env, AGENTAB_RUN_FROM: '', ...env }, encoding: 'utf8', timeout: 120_000 });
  after(() => rmSync(pkg, { recursive: true, force: true }));

  test('no stamp: the sources run', () => {
    assert.equal(chooseCode({}, pkg), 'src');
    assert.equal(run().stdout, 'src x y');
  });

  test('a stamp of the current sources: dist runs; AGENTAB_RUN_FROM=src still runs the sources', () => {
    stamp();
    assert.equal(run().stdout, 'dist x y');
    assert.equal(run({ AGENTAB_RUN_FROM: 'src' }).stdout, 'src x y');
    assert.equal(run({ AGENTAB_RUN_FROM: 'dist' }).stdout, 'dist x y');
  });

  test('any edit, new file, removed file or tsconfig change makes dist stale', () => {
    const changes: [string, () => void, () => void][] = [
      ['edit', () => writeFileSync(mainTs, readFileSync(mainTs, 'utf8') + '// edited\n'), () => writeFileSync(mainTs, readFileSync(mainTs, 'utf8').replace('// edited\n', ''))],
      ['same-size edit', () => writeFileSync(mainTs, readFileSync(mainTs, 'utf8').replace("'src '", "'SRC '")), () => writeFileSync(mainTs, readFileSync(mainTs, 'utf8').replace("'SRC '", "'src '"))],
      ['new file', () => writeFileSync(join(pkg, 'src', 'new.ts'), 'export {};\n'), () => rmSync(join(pkg, 'src', 'new.ts'))],
      ['tsconfig', () => writeFileSync(join(pkg, 'tsconfig.build.json'), '{"extends": "./tsconfig.json", "x": 1}\n'), () => writeFileSync(join(pkg, 'tsconfig.build.json'), '{"extends": "./tsconfig.json"}\n')],
    ];
    stamp();
    for (const [what, change, undo] of changes) {
      change();
      assert.equal(chooseCode({}, pkg), 'src', what);
      assert.match(run().stdout, /^(src|SRC) x y$/, what);
      undo();
      assert.equal(chooseCode({}, pkg), 'dist', `${what} undone`);
    }
    writeFileSync(join(pkg, 'src', 'extra.ts'), 'export {};\n');
    stamp();
    rmSync(join(pkg, 'src', 'extra.ts'));
    assert.equal(chooseCode({}, pkg), 'src', 'removed file');
  });

  test('AGENTAB_RUN_FROM=dist refuses stale code with what to do; bad values are refused', () => {
    writeFileSync(mainTs, readFileSync(mainTs, 'utf8') + '// newer than the build\n');
    const r = run({ AGENTAB_RUN_FROM: 'dist' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /older than src\/.*npm run build/);
    assert.throws(() => chooseCode({ AGENTAB_RUN_FROM: 'compiled' }, pkg), /must be src, dist or auto, got "compiled"/);
  });
});
