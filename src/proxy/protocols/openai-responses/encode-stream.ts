/**
 * Canonical StreamParts → a Responses API event stream, as OpenAI sends it and as the `openai`
 * SDK's `responses.stream` and Codex CLI read it: `response.created`, then per output item
 * `response.output_item.added` → deltas (`response.output_text.delta`,
 * `response.function_call_arguments.delta`, `response.reasoning_summary_text.delta`) →
 * `….done` → `response.output_item.done`, and last `response.completed` (or
 * `response.incomplete`) carrying the whole response with its usage. Every frame is
 * `event: <type>` + `data: {type, sequence_number, …}`. An error part becomes an `error` event
 * followed by `response.failed`.
 */
import type { StreamPart } from '../../../canonical/form.ts';
import { ProxyError } from '../../../canonical/errors.ts';
import { encodeSseFrame } from '../common/sse.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';
import { responseObject, responsesId, statusOf } from './response.ts';

type Json = Record<string, unknown>;

interface OpenItem {
  kind: 'text' | 'tool-call' | 'reasoning';
  outputIndex: number;
  id: string;
  text: string;
  callId?: string;
  name?: string;
}

export interface ResponsesSseOptions {
  model: string;
  /** The client's request body, echoed in the response object like OpenAI does. */
  request?: Json;
}

export function partsToResponsesSse(opts: ResponsesSseOptions): TransformStream<StreamPart, Uint8Array> {
  return stageTransform((emit: (bytes: Uint8Array) => void) => responsesSseEncoder(opts, emit));
}

/** The encoder as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function responsesSseEncoder(opts: ResponsesSseOptions, emit: (bytes: Uint8Array) => void): SyncStage<StreamPart> {
  const id = responsesId('resp');
  const createdAt = Math.floor(Date.now() / 1000);
  let seq = 0;
  let started = false;
  let finished = false;
  const open = new Map<number, OpenItem>();
  const done: Json[] = [];

  const send = (type: string, body: Json) => emit(encodeSseFrame(JSON.stringify({ type, sequence_number: seq++, ...body }), type));
  const response = (status: string, extra: Json = {}) =>
    responseObject({ id, model: opts.model, createdAt, output: [...done], status, ...(opts.request ? { request: opts.request } : {}), ...extra });
  const start = () => {
    if (started) return;
    started = true;
    send('response.created', { response: response('in_progress') });
    send('response.in_progress', { response: response('in_progress') });
  };
  const item = (it: OpenItem, status: 'in_progress' | 'completed'): Json => {
    if (it.kind === 'text') {
      return { type: 'message', id: it.id, status, role: 'assistant', content: status === 'completed' ? [{ type: 'output_text', text: it.text, annotations: [], logprobs: [] }] : [] };
    }
    if (it.kind === 'tool-call') return { type: 'function_call', id: it.id, call_id: it.callId, name: it.name, arguments: status === 'completed' ? it.text : '', status };
    return { type: 'reasoning', id: it.id, summary: status === 'completed' && it.text ? [{ type: 'summary_text', text: it.text }] : [] };
  };
  const openItem = (index: number, kind: OpenItem['kind'], extra: Partial<OpenItem> = {}): OpenItem => {
    const it: OpenItem = { kind, outputIndex: done.length + open.size, id: responsesId(kind === 'text' ? 'msg' : kind === 'tool-call' ? 'fc' : 'rs'), text: '', ...extra };
    open.set(index, it);
    send('response.output_item.added', { output_index: it.outputIndex, item: item(it, 'in_progress') });
    if (kind === 'text') send('response.content_part.added', { item_id: it.id, output_index: it.outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    if (kind === 'reasoning') send('response.reasoning_summary_part.added', { item_id: it.id, output_index: it.outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
    return it;
  };
  const closeItem = (index: number) => {
    const it = open.get(index);
    if (!it) return;
    open.delete(index);
    const itemId = it.id;
    const outputIndex = it.outputIndex;
    if (it.kind === 'text') {
      send('response.output_text.done', { item_id: itemId, output_index: outputIndex, content_index: 0, text: it.text, logprobs: [] });
      send('response.content_part.done', { item_id: itemId, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: it.text, annotations: [] } });
    } else if (it.kind === 'tool-call') {
      send('response.function_call_arguments.done', { item_id: itemId, output_index: outputIndex, arguments: it.text });
    } else {
      send('response.reasoning_summary_text.done', { item_id: itemId, output_index: outputIndex, summary_index: 0, text: it.text });
      send('response.reasoning_summary_part.done', { item_id: itemId, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: it.text } });
    }
    const completed = item(it, 'completed');
    done.push(completed);
    send('response.output_item.done', { output_index: it.outputIndex, item: completed });
  };
  const fail = (error: ProxyError) => {
    finished = true;
    start();
    send('error', { code: error.code, message: error.message, param: null });
    send('response.failed', { response: response('failed', { error: { code: error.code, message: error.message } }) });
  };

  return {
    push(p) {
      if (finished) return;
      start();
      switch (p.type) {
        case 'message-start':
        case 'usage':
          return; // the usage that counts comes with the finish
        case 'text-start':
          openItem(p.index, 'text');
          return;
        case 'text-delta': {
          const it = open.get(p.index) ?? openItem(p.index, 'text');
          it.text += p.text;
          send('response.output_text.delta', { item_id: it.id, output_index: it.outputIndex, content_index: 0, delta: p.text, logprobs: [] });
          return;
        }
        case 'reasoning-start':
          openItem(p.index, 'reasoning');
          return;
        case 'reasoning-delta': {
          const it = open.get(p.index) ?? openItem(p.index, 'reasoning');
          if (!p.text) return;
          it.text += p.text;
          send('response.reasoning_summary_text.delta', { item_id: it.id, output_index: it.outputIndex, summary_index: 0, delta: p.text });
          return;
        }
        case 'tool-call-start':
          openItem(p.index, 'tool-call', { callId: p.id, name: p.name });
          return;
        case 'tool-call-delta': {
          const it = open.get(p.index);
          if (!it) return;
          it.text += p.argsJson;
          send('response.function_call_arguments.delta', { item_id: it.id, output_index: it.outputIndex, delta: p.argsJson });
          return;
        }
        case 'block-end':
          closeItem(p.index);
          return;
        case 'finish': {
          for (const index of [...open.keys()]) closeItem(index);
          finished = true;
          const { status, incomplete_details } = statusOf(p.reason);
          const type = status === 'incomplete' ? 'response.incomplete' : 'response.completed';
          send(type, { response: response(status, { incomplete_details, usage: p.usage }) });
          return;
        }
        case 'error':
          fail(p.error);
          return;
      }
    },
    end() {
      if (!finished) {
        fail(new ProxyError('the upstream stream ended without a finish', { code: 'upstream_stream_truncated', kind: 'bad_gateway' }));
      }
    },
  };
}
