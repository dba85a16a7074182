/**
 * The cell page's transcript: parsed once — its entries and the timeline's tool calls come from
 * one pass over the JSON lines — on transcripts the real CLIs wrote in the pilot.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolCallsOf } from '../../src/trace/tool-calls.ts';
import { readTranscript } from '../../src/view/transcript.ts';

const RUN = fileURLToPath(new URL('./fixtures/pilot-a/', import.meta.url));
const cells = readdirSync(path.join(RUN, 'cells')).map((c) => {
  const dir = path.join(RUN, 'cells', c);
  const record = JSON.parse(readFileSync(path.join(dir, 'record.json'), 'utf8')) as { runner: string };
  return { cell: c, runner: record.runner, text: readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8') };
});

describe('cell transcript: one parse for the list and the timeline', () => {
  test('each JSON line is parsed once', () => {
    const original = JSON.parse;
    for (const c of cells) {
      let parses = 0;
      JSON.parse = ((...args: Parameters<typeof JSON.parse>) => {
        parses++;
        return original(...args);
      }) as typeof JSON.parse;
      try {
        readTranscript(c.text, c.runner);
      } finally {
        JSON.parse = original;
      }
      const lines = c.text.split('\n').filter((l) => l.trim().startsWith('{')).length;
      assert.equal(parses, lines, `${c.cell}: ${parses} JSON.parse calls for ${lines} lines`);
    }
  });

  test('the tool entries are the tool calls the timeline uses, in order, each once', () => {
    assert.equal(cells.length, 16);
    for (const c of cells) {
      const t = readTranscript(c.text, c.runner);
      assert.equal(t.kind, c.runner);
      assert.deepEqual(t.toolCalls, toolCallsOf(c.runner, c.text), 'the same reading as src/trace');
      const tools = t.entries.filter((e) => e.kind === 'tool');
      assert.ok(tools.length > 0);
      assert.deepEqual(tools.map((e) => e.title), t.toolCalls.map((x) => x.name));
      tools.forEach((e, i) => {
        const call = t.toolCalls[i]!;
        assert.equal(e.output?.bytes, Buffer.byteLength(call.output ?? '', 'utf8'), `${c.cell} ${e.title}: the result is the call's`);
        assert.equal(e.isError, call.isError);
        if (c.runner === 'opencode') assert.equal(e.durationMs, call.endMs! - call.startMs!);
      });
      assert.ok(t.entries.some((e) => e.kind === 'text'), 'the agent\'s text is listed too');
    }
  });

  test('a transcript of another shape is listed event by event, with no tool calls', () => {
    const t = readTranscript('{"event":"start"}\nnot json\n{"type":"done","n":1}\n', 'command');
    assert.equal(t.kind, 'other');
    assert.deepEqual(t.entries.map((e) => e.title), ['start', 'done']);
    assert.deepEqual(t.toolCalls, []);
  });
});
