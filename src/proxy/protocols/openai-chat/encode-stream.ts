/**
 * Canonical StreamParts → Chat Completions SSE bytes for an OpenAI client.
 *
 * Frames are `data: <chunk>\n\n`, one JSON.stringify per chunk, enqueued as soon as the part
 * arrives (no batching). The first chunk carries `delta.role: 'assistant'`; tool calls are
 * numbered 0.. among tool calls (OpenAI's `index`), not by canonical block index.
 * With `includeUsage` every chunk has `usage: null` and, after the finish_reason chunk, one
 * usage chunk with `choices: []` follows, as OpenAI does for `stream_options.include_usage`.
 *
 * An 'error' part becomes one `data: {"error":{…}}` frame and the stream ends WITHOUT
 * `data: [DONE]`: that is what LiteLLM's proxy sends, and the official SDKs throw on the
 * error frame. A canonical stream ending without finish or error is reported the same way.
 */
import type { StreamPart } from '../../../canonical/form.ts';
import { ProxyError } from '../../../canonical/errors.ts';
import { encodeOpenAIErrorBody } from './errors.ts';
import { toOpenAIFinishReason, type OpenAIFinishReason } from './finish-reason.ts';
import { chatCompletionId, nowSeconds } from './ids.ts';
import { toOpenAIUsage, type OpenAIUsage } from './usage.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';

export interface OpenAISseOptions {
  /** The model name to report: the alias the client asked for. */
  model: string;
  /** The client sent `stream_options.include_usage: true`. */
  includeUsage: boolean;
  /** Seconds since the epoch for `created`; now by default. */
  created?: number;
  /** Chunk id when the stream has no message-start. */
  id?: string;
}

interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: Array<{
    index: number;
    id?: string;
    type?: 'function';
    function: { name?: string; arguments: string };
  }>;
}

const DONE = new TextEncoder().encode('data: [DONE]\n\n');

export function partsToOpenAISse(opts: OpenAISseOptions): TransformStream<StreamPart, Uint8Array> {
  return stageTransform((emit: (bytes: Uint8Array) => void) => openAISseEncoder(opts, emit));
}

/** The encoder as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function openAISseEncoder(opts: OpenAISseOptions, emit: (bytes: Uint8Array) => void): SyncStage<StreamPart> {
  const encoder = new TextEncoder();
  const created = opts.created ?? nowSeconds();
  let id = opts.id !== undefined ? chatCompletionId(opts.id) : undefined;
  let roleSent = false;
  let done = false;
  /** OpenAI tool-call ordinal of each canonical tool-call block. */
  const toolOrdinal = new Map<number, number>();

  const frame = (body: unknown) => emit(encoder.encode(`data: ${JSON.stringify(body)}\n\n`));
  const chunk = (
    delta: ChunkDelta,
    finishReason: OpenAIFinishReason | null = null,
  ) => {
    id ??= chatCompletionId();
    frame({
      id,
      object: 'chat.completion.chunk',
      created,
      model: opts.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(opts.includeUsage ? { usage: null } : {}),
    });
  };
  /** Every content chunk is preceded by the role chunk. */
  const ensureRole = () => {
    if (roleSent) return;
    roleSent = true;
    chunk({ role: 'assistant', content: '' });
  };
  const fail = (error: ProxyError) => {
    done = true;
    frame(encodeOpenAIErrorBody(error));
  };

  return {
    push(part) {
      if (done) return;
      switch (part.type) {
        case 'message-start':
          if (id === undefined && part.id) id = chatCompletionId(part.id);
          ensureRole();
          return;
        case 'text-start':
        case 'reasoning-start':
        case 'block-end':
          return;
        case 'text-delta':
          if (part.text === '') return;
          ensureRole();
          chunk({ content: part.text });
          return;
        case 'reasoning-delta':
          if (part.text === '') return;
          ensureRole();
          chunk({ reasoning_content: part.text });
          return;
        case 'tool-call-start': {
          ensureRole();
          const index = toolOrdinal.size;
          toolOrdinal.set(part.index, index);
          chunk({ tool_calls: [{ index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }] });
          return;
        }
        case 'tool-call-delta': {
          const index = toolOrdinal.get(part.index);
          if (index === undefined || part.argsJson === '') return;
          chunk({ tool_calls: [{ index, function: { arguments: part.argsJson } }] });
          return;
        }
        case 'usage': // the finish part carries the final usage
          return;
        case 'finish': {
          ensureRole();
          chunk({}, toOpenAIFinishReason(part.reason));
          if (opts.includeUsage) {
            const final: OpenAIUsage = toOpenAIUsage(part.usage);
            frame({ id, object: 'chat.completion.chunk', created, model: opts.model, choices: [], usage: final });
          }
          emit(DONE);
          done = true;
          return;
        }
        case 'error':
          fail(part.error);
          return;
      }
    },
    end() {
      if (done) return;
      fail(
        new ProxyError('the model stream ended before it finished', { code: 'incomplete_stream', kind: 'bad_gateway' }),
      );
    },
  };
}
