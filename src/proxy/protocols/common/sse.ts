/**
 * Server-sent events, both directions, for every dialect's stream codec.
 * Parsing uses eventsource-parser (never regexes): bytes → decoded text → events.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type { EventSourceMessage };

/** Bytes of an SSE stream → one message per event. A last event without its blank line still counts. */
export function sseEventStream(): TransformStream<Uint8Array, EventSourceMessage> {
  const decoder = new TextDecoder();
  let sink: TransformStreamDefaultController<EventSourceMessage> | undefined;
  const parser = createParser({ onEvent: (event) => sink?.enqueue(event) });
  return new TransformStream<Uint8Array, EventSourceMessage>({
    start(controller) {
      sink = controller;
    },
    transform(chunk) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    },
    flush() {
      // Completes a last line and frame the server did not terminate; a no-op after a complete frame.
      parser.feed(decoder.decode() + '\n\n');
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
