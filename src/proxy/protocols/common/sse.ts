/**
 * Server-sent events, both directions, for every dialect's stream codec.
 * Parsing uses eventsource-parser (never regexes): bytes → decoded text → events.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type { EventSourceMessage };

export interface SseReader {
  feed(bytes: Uint8Array): void;
  /** Call once when the byte stream ended. */
  end(): void;
}

/**
 * The one SSE reader: bytes → events, push-style (the synchronous pass-through taps use it
 * directly). Decodes UTF-8 across chunk boundaries and, at the end, completes a last frame
 * the server did not terminate with a blank line (eventsource-parser alone would drop it).
 */
export function createSseReader(onEvent: (e: EventSourceMessage) => void, onComment?: (comment: string) => void): SseReader {
  const text = new TextDecoder();
  const parser = createParser({ onEvent, ...(onComment ? { onComment } : {}) });
  return {
    feed(bytes) {
      const s = text.decode(bytes, { stream: true });
      if (s !== '') parser.feed(s);
    },
    end() {
      // Terminates a trailing unterminated line and frame; a no-op after a complete frame.
      parser.feed(text.decode() + '\n\n');
    },
  };
}

/** Bytes of an SSE stream → one message per event, as a web stream (the translating paths). */
export function sseEventStream(): TransformStream<Uint8Array, EventSourceMessage> {
  let reader: SseReader | undefined;
  return new TransformStream<Uint8Array, EventSourceMessage>({
    start(controller) {
      reader = createSseReader((event) => controller.enqueue(event));
    },
    transform(chunk) {
      reader!.feed(chunk);
    },
    flush() {
      reader!.end();
    },
  });
}

/**
 * Bytes → events → `mapper`, as one transform pair (what `pipeThrough` takes). Cancelling the
 * readable side cancels the source, so an aborted client stops the upstream.
 */
export function sseDecoder<T>(mapper: TransformStream<EventSourceMessage, T>): TransformStream<Uint8Array, T> {
  const events = sseEventStream();
  return { writable: events.writable, readable: events.readable.pipeThrough(mapper) };
}

const encoder = new TextEncoder();

/** One SSE frame: `event: <name>` (when given) and `data: <data>`, then a blank line. */
export function encodeSseFrame(data: string, event?: string): Uint8Array {
  return encoder.encode(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`);
}

/** Parses an event's JSON data; undefined when it is not JSON (the caller turns that into an error part). */
export function parseEventJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
