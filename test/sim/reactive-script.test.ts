/**
 * Scripts that react: `on_error` branches on a failed tool result (flagged, or text that reads
 * as an error, or matching `error_pattern`), `think_ms` waits before the turn, `tokens` sets
 * the turn's length; scripts with branches validate and resolve paths recursively.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalMessage } from '../../src/canonical/form.ts';
import { resolveSimScript } from '../../src/experiment/sim-script.ts';
import { simulateResponse } from '../../src/sim/model.ts';
import { decideTurn, nextAction } from '../../src/sim/policy.ts';
import { Rng } from '../../src/sim/rng.ts';
import { parseScriptHeader, SimScriptSchema, type SimAction } from '../../src/sim/script.ts';
import { countTextTokens } from '../../src/canonical/tokens.ts';
import { claudeCodeTools, fakeSleep, opts, request } from './fixtures.ts';

const ctx = () => ({ answerTokens: 60, rng: new Rng(5) });
const retryingEdit: SimAction[] = [
  {
    action: 'edit',
    path: 'add.js',
    old: 'return a - b;',
    new: 'return a + b;',
    on_error: [
      { action: 'read', path: 'add.js' },
      { action: 'edit', path: 'add.js', old: 'return a-b;', new: 'return a + b;' },
    ],
  },
  { action: 'bash', command: 'node test.mjs' },
  { action: 'say', text: 'Fixed.' },
];

const call = (id: string, name: string): CanonicalMessage => ({ role: 'assistant', content: [{ type: 'tool-call', id, name, args: {} }] });
const result = (id: string, text: string, isError = false, role: 'user' | 'tool' = 'user'): CanonicalMessage =>
  ({ role, content: [{ type: 'tool-result', toolCallId: id, content: [{ type: 'text', text }], ...(isError ? { isError } : {}) }] }) as CanonicalMessage;
const history = (...msgs: CanonicalMessage[]) => request({ tools: claudeCodeTools, messages: [...request().messages, ...msgs] });
const actionOf = (...msgs: CanonicalMessage[]) => nextAction(retryingEdit, history(...msgs));

describe('reactive scripts', () => {
  test('a successful edit goes straight on; a failed one re-reads and retries, then goes on', () => {
    assert.equal(actionOf()?.action, 'edit');
    assert.equal(actionOf(call('e1', 'Edit'), result('e1', 'The file add.js has been updated.'))?.action, 'bash');
    // Claude Code's answer when the old string is missing: is_error with <tool_use_error>.
    const failed = [call('e1', 'Edit'), result('e1', '<tool_use_error>String to replace not found in file.</tool_use_error>', true)];
    assert.deepEqual(actionOf(...failed), { action: 'read', path: 'add.js' });
    const retry = actionOf(...failed, call('r1', 'Read'), result('r1', 'export const add = (a, b) => { return a-b; }'));
    assert.equal(retry?.action === 'edit' && retry.old, 'return a-b;');
    const after = actionOf(...failed, call('r1', 'Read'), result('r1', '...'), call('e2', 'Edit'), result('e2', 'updated'));
    assert.equal(after?.action, 'bash');
    // The Claude Code-shaped turn is really a Read of add.js after the failure.
    const turn = decideTurn(history(...failed), retryingEdit, ctx());
    assert.equal(turn.kind === 'tool' && turn.name, 'Read');
  });

  test('unflagged failures are recognised by their text (OpenAI-dialect tool messages) or error_pattern', () => {
    assert.equal(actionOf(call('e1', 'edit'), result('e1', 'Error: oldString not found in content', false, 'tool'))?.action, 'read');
    const custom: SimAction[] = [{ action: 'bash', command: 'make', error_pattern: 'FAILED', on_error: [{ action: 'say', text: 'Build broke.' }] }, { action: 'say', text: 'Built.' }];
    const req = (out: string) => history(call('b1', 'Bash'), result('b1', out));
    assert.deepEqual(nextAction(custom, req('3 tests FAILED')), { action: 'say', text: 'Build broke.' });
    assert.deepEqual(nextAction(custom, req('all good')), { action: 'say', text: 'Built.' });
  });

  test('think_ms waits before the first token; tokens sets the length of the text', async () => {
    const script: SimAction[] = [{ action: 'say', text: 'Summary:', think_ms: 1_500, tokens: 300 }];
    const sleep = fakeSleep();
    const plain = fakeSleep();
    const res = await simulateResponse(request(), opts({ jitter: 0 }), script, { sleep });
    await simulateResponse(request(), opts({ jitter: 0 }), [{ action: 'say', text: 'Summary:' }], { sleep: plain });
    assert.equal(Math.round((sleep.calls[0] ?? 0) - (plain.calls[0] ?? 0)), 1_500);
    const text = res.content[0]?.type === 'text' ? res.content[0].text : '';
    assert.ok(text.startsWith('Summary:'));
    const n = countTextTokens(text);
    assert.ok(n >= 290 && n <= 320, `about 300 tokens, got ${n}`);
    assert.equal(res.usage.output, n);
  });

  test('branches validate, parse from the header and get absolute paths', () => {
    assert.equal(SimScriptSchema.safeParse([{ action: 'bash', command: 'x', on_error: [{ action: 'nope' }] }]).success, false);
    assert.equal(SimScriptSchema.safeParse([{ action: 'bash', command: 'x', error_pattern: '(' }]).success, false);
    assert.equal(SimScriptSchema.safeParse([{ action: 'say', text: 'x', on_error: [] }]).success, false, 'say has no result to branch on');
    assert.deepEqual(parseScriptHeader(JSON.stringify(retryingEdit)), retryingEdit);
    const resolved = resolveSimScript(retryingEdit, '/ws');
    const first = resolved?.[0];
    assert.ok(first && first.action === 'edit');
    assert.equal(first.path, '/ws/add.js');
    assert.deepEqual(first.on_error?.map((a) => ('path' in a ? a.path : '')), ['/ws/add.js', '/ws/add.js']);
  });
});
