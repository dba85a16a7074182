/**
 * An OpenAI-compatible upstream's SSE stream → canonical StreamParts.
 *
 * Blocks are opened and closed in order: text and reasoning deltas open a block of their
 * kind, each tool call (keyed by its `index`) opens its own; a different block starting, or
 * the finish_reason, closes the open one. The finish is held until `[DONE]` or the end of
 * the bytes, because the usage-only chunk (`choices: []`) comes AFTER the finish_reason.
 * An `{"error":…}` payload, an unparsable or malformed chunk, or bytes ending before any
 * finish_reason become a terminal 'error' part.
 *
 * Corner case: a server that interleaves the argument fragments of parallel tool calls
 * (OpenAI does not) gets a late fragment emitted on its already-closed block's index;
 * dropping it would lose arguments, which is worse.
 */
import { emptyUsage, type FinishReason, type StreamPart, type Usage } from '../../../canonical/form.ts';
import { ProxyError } from '../../../canonical/errors.ts';
import { decodeOpenAIErrorPayload } from './errors.ts';
import { fromOpenAIFinishReason } from './finish-reason.ts';
import { asChatChunk, ChatChunkSchema, type ChunkToolCall } from './schema.ts';
import { createSseReader } from '../common/sse.ts';
import { stageTransform, type SyncStage } from '../common/sync-stage.ts';
import { fromOpenAIUsage } from './usage.ts';
import { describeZodError } from './validation-message.ts';

type BlockKind = 'text' | 'reasoning' | 'tool';

export class OpenAIStreamDecoder {
  private started = false;
  private ended = false;
  private nextIndex = 0;
  private open: { index: number; kind: BlockKind } | undefined;
  /** Block index of each tool call, by the upstream's `index` (or id when a server omits it). */
  private readonly tools = new Map<string | number, number>();
  private lastToolKey: string | number | undefined;
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;

  constructor(private readonly emit: (part: StreamPart) => void) {}

  /** One SSE `data` payload. */
  data(payload: string): void {
    if (this.ended) return;
    if (payload === '[DONE]') return this.finish();
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch (cause) {
      return this.fail(invalidChunk(`upstream sent a stream chunk that is not JSON: ${preview(payload)}`, cause));
    }
    this.value(json);
  }

  /** One payload already parsed from JSON (the pass-through tap parses it itself). */
  value(json: unknown): void {
    if (this.ended) return;
    if (json !== null && typeof json === 'object' && (json as { error?: unknown }).error != null) {
      return this.fail(decodeOpenAIErrorPayload(json));
    }
    let chunk = asChatChunk(json);
    if (!chunk) {
      const parsed = ChatChunkSchema.safeParse(json);
      if (!parsed.success) {
        return this.fail(invalidChunk(`upstream stream chunk is malformed: ${describeZodError(parsed.error, json).message}`));
      }
      chunk = parsed.data;
    }
    if (!this.started) {
      this.started = true;
      this.emit({ type: 'message-start', id: chunk.id ?? '', model: chunk.model ?? '' });
    }
    if (chunk.usage) this.usage = fromOpenAIUsage(chunk.usage);

    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return;
    const delta = choice.delta;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) {
        const index = this.openBlock('reasoning');
        this.emit({ type: 'reasoning-delta', index, text: reasoning });
      }
      if (delta.content) {
        const index = this.openBlock('text');
        this.emit({ type: 'text-delta', index, text: delta.content });
      }
      for (const call of delta.tool_calls ?? []) this.toolFragment(call);
    }
    if (choice.finish_reason) {
      this.finishReason = fromOpenAIFinishReason(choice.finish_reason);
      this.closeBlock();
    }
  }

  /** The bytes ended. */
  end(): void {
    if (this.ended) return;
    if (this.finishReason !== undefined) return this.finish();
    this.fail(
      new ProxyError('upstream stream ended before a finish_reason', {
        code: 'upstream_stream_truncated',
        kind: 'bad_gateway',
        retryable: true,
      }),
    );
  }

  /** How many tool calls the stream carried so far. */
  get toolCalls(): number {
    return this.tools.size;
  }

  /** The latest usage an upstream chunk carried (a new object each time one arrives). */
  get latestUsage(): Usage | undefined {
    return this.usage;
  }

  private toolFragment(call: ChunkToolCall): void {
    const key = typeof call.index === 'number' ? call.index : call.id ? `id:${call.id}` : (this.lastToolKey ?? 0);
    this.lastToolKey = key;
    let index = this.tools.get(key);
    if (index === undefined) {
      this.closeBlock();
      index = this.nextIndex++;
      this.tools.set(key, index);
      this.open = { index, kind: 'tool' };
      this.emit({ type: 'tool-call-start', index, id: call.id || `call_${index}`, name: call.function?.name ?? '' });
    }
    const args = call.function?.arguments;
    if (args) this.emit({ type: 'tool-call-delta', index, argsJson: args });
  }

  private openBlock(kind: 'text' | 'reasoning'): number {
    if (this.open?.kind === kind) return this.open.index;
    this.closeBlock();
    const index = this.nextIndex++;
    this.open = { index, kind };
    this.emit(kind === 'text' ? { type: 'text-start', index } : { type: 'reasoning-start', index });
    return index;
  }

  private closeBlock(): void {
    if (!this.open) return;
    this.emit({ type: 'block-end', index: this.open.index });
    this.open = undefined;
  }

  private finish(): void {
    this.closeBlock();
    this.ended = true;
    this.emit({ type: 'finish', reason: this.finishReason ?? 'stop', usage: this.usage ?? emptyUsage() });
  }

  private fail(error: ProxyError): void {
    this.ended = true;
    this.emit({ type: 'error', error });
  }
}

/** Upstream SSE bytes → StreamParts. */
export function openAISseToParts(): TransformStream<Uint8Array, StreamPart> {
  return stageTransform(openAISseDecoder);
}

/** Upstream SSE bytes → StreamParts as a synchronous stage (the translated hot path drives it per upstream chunk). */
export function openAISseDecoder(emit: (part: StreamPart) => void): SyncStage<Uint8Array> {
  const decoder = new OpenAIStreamDecoder(emit);
  const reader = createSseReader((event) => decoder.data(event.data));
  return {
    push(bytes) {
      reader.feed(bytes);
    },
    end() {
      reader.end();
      decoder.end();
    },
  };
}

/** SSE `data` payloads (already framed) → StreamParts. */
export function openAIDataToParts(): TransformStream<string, StreamPart> {
  let decoder: OpenAIStreamDecoder | undefined;
  return new TransformStream<string, StreamPart>({
    start(controller) {
      decoder = new OpenAIStreamDecoder((part) => controller.enqueue(part));
    },
    transform(payload) {
      decoder?.data(payload);
    },
    flush() {
      decoder?.end();
    },
  });
}

function invalidChunk(message: string, cause?: unknown): ProxyError {
  return new ProxyError(message, {
    code: 'upstream_invalid_chunk',
    kind: 'bad_gateway',
    ...(cause !== undefined ? { cause } : {}),
  });
}

function preview(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}
