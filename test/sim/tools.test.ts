import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalTool } from '../../src/canonical/form.ts';
import { defaultFor, fillArgs, findWorkingDirectory, matchTool } from '../../src/sim/tools.ts';
import { claudeCodeTools, openCodeTools, request } from './fixtures.ts';

const named = (tools: CanonicalTool[], name: string) => tools.find((t) => t.name === name)!;

describe('tool matching', () => {
  test("Claude Code's tools, not their look-alikes", () => {
    assert.equal(matchTool({ action: 'bash', command: 'ls' }, claudeCodeTools)?.name, 'Bash');
    assert.equal(matchTool({ action: 'write', path: 'a', content: 'x' }, claudeCodeTools)?.name, 'Write');
    assert.equal(matchTool({ action: 'read', path: 'a' }, claudeCodeTools)?.name, 'Read');
    assert.equal(matchTool({ action: 'edit', path: 'a', old: 'x', new: 'y' }, claudeCodeTools)?.name, 'Edit');
  });

  test("OpenCode's lower-case tools", () => {
    assert.equal(matchTool({ action: 'bash', command: 'ls' }, openCodeTools)?.name, 'bash');
    assert.equal(matchTool({ action: 'write', path: 'a', content: 'x' }, openCodeTools)?.name, 'write');
    assert.equal(matchTool({ action: 'edit', path: 'a', old: 'x', new: 'y' }, openCodeTools)?.name, 'edit');
  });

  test('aliases and name words for other agents', () => {
    const tools: CanonicalTool[] = [
      { name: 'run_shell_command', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
      { name: 'write_file', parameters: { type: 'object', properties: { path: { type: 'string' }, contents: { type: 'string' } } } },
    ];
    assert.equal(matchTool({ action: 'bash', command: 'ls' }, tools)?.name, 'run_shell_command');
    assert.equal(matchTool({ action: 'write', path: 'a', content: 'x' }, tools)?.name, 'write_file');
    assert.equal(matchTool({ action: 'read', path: 'a' }, tools), undefined);
  });

  test('a tool whose schema cannot carry the action is not chosen', () => {
    const onlyDecoys = claudeCodeTools.filter((t) => ['BashOutput', 'TodoWrite', 'NotebookEdit', 'Glob'].includes(t.name));
    assert.equal(matchTool({ action: 'bash', command: 'ls' }, onlyDecoys), undefined);
    assert.equal(matchTool({ action: 'write', path: 'a', content: 'x' }, onlyDecoys), undefined);
    assert.equal(matchTool({ action: 'edit', path: 'a', old: 'x', new: 'y' }, onlyDecoys), undefined);
  });
});

describe('argument filling', () => {
  test('Claude Code: absolute paths resolved against the working directory', () => {
    assert.deepEqual(fillArgs({ action: 'write', path: 'a.txt', content: 'hi\n' }, named(claudeCodeTools, 'Write'), '/tmp/ws'), {
      file_path: '/tmp/ws/a.txt',
      content: 'hi\n',
    });
    assert.deepEqual(fillArgs({ action: 'read', path: '/etc/hosts' }, named(claudeCodeTools, 'Read'), '/tmp/ws'), {
      file_path: '/etc/hosts',
    });
    assert.deepEqual(
      fillArgs({ action: 'edit', path: 'src/x.ts', old: 'a', new: 'b' }, named(claudeCodeTools, 'Edit'), '/tmp/ws'),
      { file_path: '/tmp/ws/src/x.ts', old_string: 'a', new_string: 'b' },
    );
  });

  test('Claude Code Bash gets the command and a description', () => {
    const args = fillArgs({ action: 'bash', command: 'cat a.txt' }, named(claudeCodeTools, 'Bash'), '/tmp/ws');
    assert.equal(args['command'], 'cat a.txt');
    assert.equal(typeof args['description'], 'string');
    assert.ok(!('timeout' in args) && !('run_in_background' in args));
    const given = fillArgs({ action: 'bash', command: 'ls', description: 'List files' }, named(claudeCodeTools, 'Bash'), undefined);
    assert.equal(given['description'], 'List files');
  });

  test('OpenCode: camelCase properties and the required bash description', () => {
    assert.deepEqual(fillArgs({ action: 'write', path: 'a.txt', content: 'x' }, named(openCodeTools, 'write'), '/w'), {
      filePath: '/w/a.txt',
      content: 'x',
    });
    const bash = fillArgs({ action: 'bash', command: 'cat a.txt' }, named(openCodeTools, 'bash'), '/w');
    assert.equal(bash['command'], 'cat a.txt');
    assert.ok(typeof bash['description'] === 'string' && bash['description'].length > 0);
    assert.deepEqual(fillArgs({ action: 'edit', path: '/w/a', old: 'o', new: 'n' }, named(openCodeTools, 'edit'), '/w'), {
      filePath: '/w/a',
      oldString: 'o',
      newString: 'n',
    });
  });

  test('paths stay relative when the tool does not ask for absolute ones, or no cwd is known', () => {
    assert.deepEqual(fillArgs({ action: 'read', path: 'a.txt' }, named(openCodeTools, 'read'), '/w'), { filePath: 'a.txt' });
    assert.deepEqual(fillArgs({ action: 'read', path: 'a.txt' }, named(claudeCodeTools, 'Read'), undefined), { file_path: 'a.txt' });
  });

  test('other required properties get type-appropriate defaults', () => {
    const editor: CanonicalTool = {
      name: 'str_replace_editor',
      parameters: {
        type: 'object',
        properties: {
          command: { type: 'string', enum: ['view', 'create', 'str_replace', 'insert'] },
          path: { type: 'string' },
          file_text: { type: 'string' },
          old_str: { type: 'string' },
          new_str: { type: 'string' },
          retries: { type: 'integer', minimum: 1 },
          force: { type: 'boolean' },
          tags: { type: 'array' },
        },
        required: ['command', 'path', 'retries', 'force', 'tags'],
      },
    };
    assert.deepEqual(fillArgs({ action: 'edit', path: '/a', old: 'x', new: 'y' }, editor, undefined), {
      command: 'str_replace',
      path: '/a',
      old_str: 'x',
      new_str: 'y',
      retries: 1,
      force: false,
      tags: [],
    });
    assert.equal(fillArgs({ action: 'write', path: '/a', content: 'c' }, editor, undefined)['command'], 'create');
    assert.deepEqual(defaultFor({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] }), { n: 0 });
    assert.equal(defaultFor({ type: ['null', 'string'], minLength: 2 }), 'xx');
  });

  test('finds the working directory in the system prompt', () => {
    assert.equal(findWorkingDirectory(request()), '/tmp/ws');
    assert.equal(findWorkingDirectory(request({ system: [{ type: 'text', text: 'nothing here' }] })), undefined);
  });
});
