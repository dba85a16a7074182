import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalMessage } from '../../src/canonical/form.ts';
import { decideTurn, SHORT_ANSWER_TOKENS, stepOf } from '../../src/sim/policy.ts';
import { Rng } from '../../src/sim/rng.ts';
import type { SimAction } from '../../src/sim/script.ts';
import { countTextTokens } from '../../src/canonical/tokens.ts';
import { claudeCodeTools, request } from './fixtures.ts';

const ctx = () => ({ answerTokens: 60, rng: new Rng(5) });
const script: SimAction[] = [
  { action: 'bash', command: 'false' },
  { action: 'say', text: 'All done.' },
];
const assistantTurn = (id: string): CanonicalMessage => ({
  role: 'assistant',
  content: [{ type: 'tool-call', id, name: 'Bash', args: { command: 'false' } }],
});
const failedResult = (id: string): CanonicalMessage => ({
  role: 'user',
  content: [{ type: 'tool-result', toolCallId: id, content: [{ type: 'text', text: 'exit 1' }], isError: true }],
});

describe('turn policy', () => {
  test('the step is the number of assistant messages', () => {
    const req = request({ messages: [...request().messages, assistantTurn('t1'), failedResult('t1')] });
    assert.equal(stepOf(request()), 0);
    assert.equal(stepOf(req), 1);
  });

  test('follows the script and moves on after a failed tool result', () => {
    const first = decideTurn(request({ tools: claudeCodeTools }), script, ctx());
    assert.equal(first.kind, 'tool');
    assert.equal(first.kind === 'tool' && first.name, 'Bash');
    const after = request({ tools: claudeCodeTools, messages: [...request().messages, assistantTurn('t1'), failedResult('t1')] });
    assert.deepEqual(decideTurn(after, script, ctx()), { kind: 'text', step: 1, text: 'All done.' });
  });

  test('past the end of the script: the last say again, or a closing line', () => {
    const msgs = [...request().messages, assistantTurn('a'), failedResult('a'), assistantTurn('b'), failedResult('b')];
    const past = request({ tools: claudeCodeTools, messages: msgs });
    assert.deepEqual(decideTurn(past, script, ctx()), { kind: 'text', step: 2, text: 'All done.' });
    const bashOnly: SimAction[] = [{ action: 'bash', command: 'ls' }];
    const t = decideTurn(request({ tools: claudeCodeTools, messages: msgs.slice(0, 3) }), bashOnly, ctx());
    assert.deepEqual(t, { kind: 'text', step: 1, text: 'Done.' });
  });

  test('a request without tools always gets plain text', () => {
    const t = decideTurn(request(), script, ctx());
    assert.equal(t.kind, 'text');
    if (t.kind === 'text') assert.ok(countTextTokens(t.text) <= SHORT_ANSWER_TOKENS + 4);
    // tool_choice none hides the tools too.
    assert.equal(decideTurn(request({ tools: claudeCodeTools, toolChoice: { type: 'none' } }), script, ctx()).kind, 'text');
  });

  test('no matching tool: a text turn describing the action', () => {
    const t = decideTurn(request({ tools: claudeCodeTools.filter((x) => x.name !== 'Bash') }), script, ctx());
    assert.equal(t.kind, 'text');
    assert.match(t.kind === 'text' ? t.text : '', /Run false.*no matching tool/);
  });

  test('default script: one deterministic filler answer of about answerTokens', () => {
    const a = decideTurn(request({ tools: claudeCodeTools }), undefined, ctx());
    const b = decideTurn(request({ tools: claudeCodeTools }), [], ctx());
    assert.equal(a.kind, 'text');
    assert.deepEqual(a, b);
    const n = a.kind === 'text' ? countTextTokens(a.text) : 0;
    assert.ok(n >= 55 && n <= 75, `about 60 tokens, got ${n}`);
  });
});
