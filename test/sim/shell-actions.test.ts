/**
 * File actions as shell commands (for Codex CLI, whose only tool is a shell): each command is
 * run by a real bash in a temporary directory, and the simulator picks the shell tool when no
 * file tool fits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { asShellAction } from '../../src/sim/shell-actions.ts';
import { decideTurn } from '../../src/sim/policy.ts';
import { Rng } from '../../src/sim/rng.ts';
import type { ToolAction } from '../../src/sim/tools.ts';
import { request } from './fixtures.ts';

async function run(action: ToolAction, cwd: string) {
  const { command } = asShellAction(action);
  return execa('bash', ['-c', command], { cwd, reject: false });
}

describe('file actions as shell commands', () => {
  const tricky = `it's "quoted" $HOME \`date\` \\n back\\slash\nno newline at the end`;

  test('write puts the exact bytes in the file, creating its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-shell-'));
    const r = await run({ action: 'write', path: 'sub/dir/a.txt', content: tricky }, dir);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'sub/dir/a.txt'), 'utf8'), tricky);
  });

  test('read prints the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-shell-'));
    writeFileSync(join(dir, "it's.txt"), tricky);
    const r = await run({ action: 'read', path: "it's.txt" }, dir);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, tricky);
  });

  test('edit replaces the first occurrence of the exact text, metacharacters and all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-shell-'));
    writeFileSync(join(dir, 'f.py'), 'x = a.b(1) + $y\nx = a.b(1) + $y\n');
    const r = await run({ action: 'edit', path: 'f.py', old: 'a.b(1) + $y', new: "c['$1'] \\1 @z" }, dir);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'f.py'), 'utf8'), "x = c['$1'] \\1 @z\nx = a.b(1) + $y\n");
  });

  test('edit of text that is not there fails with an Error line and leaves the file alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentab-shell-'));
    writeFileSync(join(dir, 'f.txt'), 'hello\n');
    const r = await run({ action: 'edit', path: 'f.txt', old: 'absent', new: 'x' }, dir);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^Error: the old text was not found in f\.txt/);
    assert.equal(readFileSync(join(dir, 'f.txt'), 'utf8'), 'hello\n');
  });

  test('the simulator calls the only tool, a shell, for a write', () => {
    const execCommand = {
      name: 'exec_command',
      description: 'Runs a command in a PTY.',
      parameters: { type: 'object', properties: { cmd: { type: 'string' }, workdir: { type: 'string' } }, required: ['cmd'] },
    };
    const turn = decideTurn(request({ tools: [execCommand] }), [{ action: 'write', path: 'a.txt', content: 'hi\n', on_error: [{ action: 'say', text: 'failed' }] }], {
      answerTokens: 10,
      rng: new Rng(1),
    });
    assert.equal(turn.kind, 'tool');
    assert.ok(turn.kind === 'tool');
    assert.equal(turn.name, 'exec_command');
    assert.deepEqual(turn.args, { cmd: "printf '%s' 'hi\n' > a.txt" });
  });
});

describe('Codex CLI\'s tools', () => {
  const codexTools = [
    { name: 'exec_command', description: 'Runs a command in a PTY.', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } },
    { name: 'view_image', description: 'View a local image file.', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  ];
  test('a read goes to the shell, not to view_image', () => {
    const turn = decideTurn(request({ tools: codexTools }), [{ action: 'read', path: 'notes.md' }], { answerTokens: 10, rng: new Rng(1) });
    assert.ok(turn.kind === 'tool');
    assert.equal(turn.name, 'exec_command');
    assert.deepEqual(turn.args, { cmd: 'cat -- notes.md' });
  });
});
