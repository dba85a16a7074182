/**
 * Bytes → SSE events with eventsource-parser (never regexes). Decodes UTF-8 across chunk
 * boundaries and, at the end, completes a last frame the server did not terminate with a
 * blank line (eventsource-parser alone would drop it).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseReader {
  feed(bytes: Uint8Array): void;
  /** Call once when the byte stream ended. */
  end(): void;
}

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
