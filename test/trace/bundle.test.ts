/**
 * Debug bundles of real cells (test/fixtures/trace): a cell whose check failed, cells that
 * timed out (mid-tool, and before the first model call), a large transcript cut down; and a
 * cell with secrets planted in its environment, its prompt, its tool output and its logs,
 * none of which survives into the bundle directory or its archive.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildBundle } from '../../src/trace/bundle/index.ts';
import { knownSecrets } from '../../src/trace/bundle/secrets.ts';
import { loadCellSpans } from '../../src/trace/cell-spans.ts';
import { tempDir } from '../experiment/helpers.ts';

const RESULTS = fileURLToPath(new URL('../fixtures/trace/results/', import.meta.url));
const CAPTURE = path.join(RESULTS, 'trace-capture', '20261127-145450-3e8a');
const PILOT = path.join(RESULTS, 'pilot', '20261127-135854-ce51');
const SPEC = fileURLToPath(new URL('../fixtures/trace/capture/experiment.yaml', import.meta.url));
const CELLS = {
  claudeFail: 'c57f1a881a34',
  opencodeFail: '847d40be91a3',
  claudeTimeout: '3192139d13cb',
  opencodeTimeout: '7d4faf28dc53',
};

/** A writable copy of a fixture run directory. */
function copyRun(run: string): string {
  const dir = path.join(tempDir(), path.basename(run));
  cpSync(run, dir, { recursive: true });
  return dir;
}

const read = (dir: string, f: string) => readFileSync(path.join(dir, f), 'utf8');

async function archiveMembers(archive: string): Promise<string[]> {
  const r = await execa('tar', ['-tzf', archive]);
  return r.stdout.split('\n').filter(Boolean);
}

describe('debug bundles of real cells', () => {
  test('a failing cell: summary, profile, logs, touched files, trace, and an account of why', async () => {
    const run = copyRun(CAPTURE);
    const b = await buildBundle(path.join(run, 'cells', CELLS.claudeFail), { outDir: tempDir() });
    for (const f of ['summary.json', 'profile_summary.json', 'debug_context.md', 'transcript_excerpt.jsonl', 'touched_files.json', 'spend.jsonl', 'trace.json', 'check.log']) {
      assert.ok(b.files.includes(f), `bundle has ${f}`);
      assert.ok(statSync(path.join(b.dir, f)).isFile());
    }
    const summary = JSON.parse(read(b.dir, 'summary.json'));
    assert.equal(summary.outcome, 'fail');
    assert.equal(summary.checkExitCode, 1);
    assert.equal(summary.metrics.calls, 3);
    assert.equal(summary.decomposition.withinTolerance, true);
    const profile = JSON.parse(read(b.dir, 'profile_summary.json'));
    assert.equal(profile.spansByKind.model, 3);
    assert.equal(profile.spansByKind.tool, 2);
    assert.ok(profile.slowestSpans.length > 0);
    const touched = JSON.parse(read(b.dir, 'touched_files.json'));
    assert.deepEqual(touched.files.map((f: { path: string }) => f.path), ['result.txt']);
    assert.deepEqual(touched.files[0].actions, ['write']);
    assert.match(touched.commands[0], /cat creds\.env/);
    const context = read(b.dir, 'debug_context.md');
    assert.match(context, /check failed \(exit 1\)/);
    assert.match(context, /## Where the time went/);
    assert.match(context, /\| result\.txt \| write \| 1 \|/);
    assert.equal(read(b.dir, 'spend.jsonl').trim().split('\n').length, 3);
    assert.equal(JSON.parse(read(b.dir, 'trace.json')).traceEvents.filter((e: { ph: string; cat?: string; name: string }) => e.ph === 'b' && e.cat === 'tool').length, 2);
    for (const line of read(b.dir, 'transcript_excerpt.jsonl').trim().split('\n')) JSON.parse(line);
    const members = await archiveMembers(b.archive);
    for (const f of b.files) assert.ok(members.includes(`debug-${CELLS.claudeFail}/${f}`), `archive has ${f}`);
  });

  test('a cell timed out mid-tool: the interrupted tool is named, and it is the slowest span', async () => {
    const run = copyRun(CAPTURE);
    const b = await buildBundle(path.join(run, 'cells', CELLS.claudeTimeout), { outDir: tempDir() });
    assert.equal(b.summary.outcome, 'timeout');
    const slowest = b.profile.slowestSpans[0]!;
    assert.equal(slowest.kind, 'tool');
    assert.equal(slowest.name, 'Bash');
    assert.equal(slowest.status, 'error', 'Claude Code recorded the interrupted call as an error');
    const context = read(b.dir, 'debug_context.md');
    assert.match(context, /hit its timeout in the runner phase/);
    assert.match(context, /longest call was tool `Bash` \(24\.5 s, ended in an error\)/);
    assert.match(context, /sleep 120/);
    assert.ok(b.summary.decomposition.shares.tool > 0.5, 'most of the cell was the tool');
    const t = await loadCellSpans(path.join(run, 'cells', CELLS.claudeTimeout));
    assert.equal(t.decomposition.withinTolerance, true);
  });

  test('a cell that timed out before its first model call says no call reached the proxy', async () => {
    const run = copyRun(CAPTURE);
    const b = await buildBundle(path.join(run, 'cells', CELLS.opencodeTimeout), { outDir: tempDir() });
    assert.equal(b.summary.outcome, 'timeout');
    assert.equal(b.summary.metrics.calls, 0);
    assert.equal(b.summary.decomposition.startupMs, null);
    assert.match(read(b.dir, 'debug_context.md'), /No model call reached the proxy/);
  });

  test('large payloads are cut with their sizes noted', async () => {
    const run = copyRun(PILOT);
    const cell = '409541b4616d'; // Claude Code summarising a 54 KB API reference it printed with cat
    const b = await buildBundle(path.join(run, 'cells', cell), { outDir: tempDir() });
    const excerpt = read(b.dir, 'transcript_excerpt.jsonl');
    const original = read(path.join(run, 'cells', cell), 'transcript.jsonl');
    assert.ok(excerpt.length * 4 < original.length, `excerpt ${excerpt.length} vs ${original.length} characters`);
    assert.match(excerpt, /… \[cut: [\d,]+ bytes\]/);
    for (const line of excerpt.trim().split('\n')) {
      const walk = (v: unknown): void => {
        if (typeof v === 'string') assert.ok(v.length <= 600 + 40, `a string of ${v.length} characters survived`);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(JSON.parse(line));
    }
  });
});

describe('secrets in bundles', () => {
  test('secrets planted in env, prompt, tool output and logs do not survive into the bundle or its archive', async () => {
    const run = copyRun(CAPTURE);
    const cellDir = path.join(run, 'cells', CELLS.opencodeFail);
    // the spec as the run's manifest names it (its condition env holds PLANTED_API_KEY)
    const manifest = JSON.parse(read(run, 'manifest.json'));
    writeFileSync(path.join(run, 'manifest.json'), JSON.stringify({ ...manifest, specFile: SPEC }));
    const envSecret = 'env-only-value-4a7f9c2e1b';
    const prompt = 'sk-ant-api03-PLANTEDprompt0123456789abcdef';
    // the prompt echoed into the transcript, a credential in the logs, the env secret in the check output
    appendFileSync(path.join(cellDir, 'transcript.jsonl'), JSON.stringify({ type: 'user', message: { content: `Use the deploy key ${prompt}` } }) + '\n');
    appendFileSync(path.join(cellDir, 'stderr.log'), `POST /v1/messages x-api-key: sk-live-stderr-0123456789 Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJl\n`);
    mkdirSync(cellDir, { recursive: true });
    appendFileSync(path.join(cellDir, 'check.log'), `AGENTAB_SECRET_TOKEN=${envSecret}\n`);
    const secrets = await knownSecrets(run, { AGENTAB_SECRET_TOKEN: envSecret, PATH: '/usr/bin', SHORT_KEY: 'abc' });
    assert.ok(secrets.includes('pl4nted-c0ndition-env-value-91f3'), 'the spec\'s condition env is known');
    assert.ok(secrets.includes(envSecret), 'the environment\'s secret-named variables are known');
    assert.ok(!secrets.includes('/usr/bin') && !secrets.includes('abc'));

    const b = await buildBundle(cellDir, { outDir: tempDir(), secrets });
    const planted = [
      'pl4nted-c0ndition-env-value-91f3', // condition env, printed by the agent's tool
      'AKIAPLANTED000000000', // tool output: a credentials file the agent read
      'ghp_PLANTEDplantedPLANTEDplanted0123456789',
      'planted.bearer.token.value.0123',
      'planted-db-password-77',
      prompt, // the prompt
      'sk-live-stderr-0123456789', // logs
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0',
      envSecret, // the environment agentab debug runs in
    ];
    // the originals did contain them (the test plants what it checks)
    const source = ['transcript.jsonl', 'stderr.log', 'check.log'].map((f) => read(cellDir, f)).join('\n');
    for (const s of planted) assert.ok(source.includes(s), `planted: ${s}`);

    const extracted = tempDir();
    await execa('tar', ['-xzf', b.archive, '-C', extracted]);
    for (const dir of [b.dir, path.join(extracted, `debug-${CELLS.opencodeFail}`)]) {
      for (const f of readdirSync(dir)) {
        const text = read(dir, f);
        for (const s of planted) assert.ok(!text.includes(s), `${s} survived in ${f}`);
        if (f.endsWith('.json')) JSON.parse(text);
        if (f.endsWith('.jsonl')) for (const line of text.trim().split('\n').filter(Boolean)) JSON.parse(line);
      }
    }
    assert.match(read(b.dir, 'transcript_excerpt.jsonl'), /\[redacted\]/);
  });
});
