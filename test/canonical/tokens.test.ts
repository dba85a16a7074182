import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countPromptTokens,
  countRequestTokens,
  countLater,
  countTextTokens,
  promptTokensWithoutWaiting,
  tokenPieces,
  truncateToTokens,
} from '../../src/canonical/tokens.ts';
import { claudeCodeTools, request } from '../sim/fixtures.ts';
import { claudeCodeRequest, turnMessages } from '../../bench/lib/claude-code-request.ts';
import { decodeAnthropicRequest } from '../../src/proxy/protocols/anthropic-messages/decode-request.ts';
import { parseJsonBytes } from '../../src/util/json-bytes.ts';
import { setImmediate as afterImmediate } from 'node:timers/promises';

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

describe('prompt tokens without waiting (a translated stream\'s message_start)', () => {
  /** A Claude Code session's request at `turn`, parsed as the proxy parses it (resent parts are shared). */
  const sessionRequest = (turn: number) => {
    const base = claudeCodeRequest('alias', true).body;
    const turns = Array.from({ length: turn }, (_, i) => turnMessages(7000 + i, i === turn - 1)).flat();
    const body = { ...base, messages: [...(base.messages as unknown[]), ...turns] };
    return decodeAnthropicRequest(parseJsonBytes(Buffer.from(JSON.stringify(body))) as Record<string, unknown>);
  };

  test('exact when every text was counted before; the newest turn estimated, handed back, and exact once counted later', async () => {
    const first = sessionRequest(1);
    const exactFirst = countRequestTokens(first);
    assert.deepEqual(promptTokensWithoutWaiting(first), { tokens: exactFirst, uncounted: [] });

    const second = sessionRequest(2);
    const quick = promptTokensWithoutWaiting(second);
    const [call, result] = turnMessages(7001, true) as unknown as [
      { content: [{ text: string }, { name: string; input: unknown }] },
      { content: [{ content: string }] },
    ];
    // The newest turn's texts of 16 characters or more: the sentence, the call's arguments, the tool result (not the name "Read").
    const newestTexts = [call.content[0].text, JSON.stringify(call.content[1].input), result.content[0].content];
    assert.deepEqual(quick.uncounted, newestTexts, 'only the newest turn is left uncounted');
    // The estimate misses by what the tokens-per-character rate misses on those texts.
    const exact = countRequestTokens(structuredClone(second));
    let newestTokens = 0;
    for (const text of newestTexts) newestTokens += countTextTokens(text);
    assert.ok(Math.abs(quick.tokens - exact) < 0.5 * newestTokens, `estimate ${quick.tokens} vs exact ${exact}`);
  });

  test('countLater counts after the current turn of the event loop; then the same request is exact, messages included', async () => {
    const req = sessionRequest(3);
    const quick = promptTokensWithoutWaiting(req);
    assert.ok(quick.uncounted.length > 0);
    countLater(quick.uncounted);
    assert.deepEqual(promptTokensWithoutWaiting(req).uncounted, quick.uncounted, 'nothing is counted before the response is out');
    await afterImmediate();
    const again = promptTokensWithoutWaiting(req);
    assert.deepEqual(again.uncounted, []);
    assert.equal(again.tokens, countRequestTokens(structuredClone(req)));
  });
});
