import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countPromptTokens,
  countRequestTokens,
  countTextTokens,
  tokenPieces,
  truncateToTokens,
} from '../../src/canonical/tokens.ts';
import { claudeCodeTools, request } from '../sim/fixtures.ts';

describe('token counting', () => {
  test('counts with a real BPE vocabulary', () => {
    assert.equal(countTextTokens('hello world'), 2);
    assert.equal(countTextTokens(''), 0);
    // chars/4 would say 4 for this; BPE knows it is one word.
    assert.equal(countTextTokens('information'), 1);
  });

  test('special-token text is counted as text, not rejected', () => {
    assert.ok(countTextTokens('before <|endoftext|> after') > 3);
  });

  test('long strings count the same on a cache hit', () => {
    const long = 'function add(a, b) { return a + b; }\n'.repeat(50);
    const first = countTextTokens(long);
    assert.ok(first > 100);
    assert.equal(countTextTokens(long), first);
    assert.equal(countTextTokens(long + ' extra'), first + 1);
  });

  test('tool definitions, messages and tool calls all count', () => {
    const bare = request();
    const withTools = request({ tools: claudeCodeTools });
    const bareN = countRequestTokens(bare);
    const toolsN = countRequestTokens(withTools);
    assert.ok(toolsN > bareN + 200, `tools should add hundreds of tokens: ${bareN} → ${toolsN}`);

    const withCall = request({
      messages: [
        ...bare.messages,
        { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'Bash', args: { command: 'ls -la /tmp/ws' } }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: 'a.txt\nb.txt' }] }] },
      ],
    });
    assert.ok(countRequestTokens(withCall) > bareN + 10);

    const p = countPromptTokens(withTools);
    assert.ok(p.prefix > 0 && p.prefix < p.total);
  });

  test('token pieces reassemble the text exactly, multi-byte characters included', () => {
    const text = 'héllo 🤖🤖 世界 naïve ✓ ok';
    const { pieces, tokens } = tokenPieces(text);
    assert.equal(pieces.join(''), text);
    assert.ok(pieces.length > 3);
    assert.equal(tokens, countTextTokens(text));
  });

  test('truncates to a token budget', () => {
    const t = truncateToTokens('one two three four five six', 3);
    assert.equal(countTextTokens(t), 3);
    assert.ok('one two three four five six'.startsWith(t));
  });
});
