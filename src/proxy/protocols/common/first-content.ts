/**
 * Holds a translated stream back until its first content (or its finish) arrives, so that an
 * upstream failure before any content — an error event, a TTFT timeout, a broken connection —
 * is thrown to the router, which can still retry or fail over. What was read is replayed.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import type { StreamPart } from '../../../canonical/form.ts';

/** Parts that mean the stream has begun its output: before one, a failure can still be retried. */
export const STARTS_OUTPUT = new Set<StreamPart['type']>([
  'text-start',
  'text-delta',
  'tool-call-start',
  'tool-call-delta',
  'reasoning-start',
  'reasoning-delta',
  'finish',
]);

export async function awaitFirstContent(parts: ReadableStream<StreamPart>): Promise<ReadableStream<StreamPart>> {
  const reader = parts.getReader();
  const held: StreamPart[] = [];
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      if (r.value.type === 'error') throw r.value.error;
      held.push(r.value);
      if (STARTS_OUTPUT.has(r.value.type)) break;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw ProxyError.from(e, 'upstream_stream_error');
  }
  return new ReadableStream<StreamPart>(
    {
      start(c) {
        for (const p of held) c.enqueue(p);
        if (done) c.close();
      },
      async pull(c) {
        if (done) return;
        try {
          const r = await reader.read();
          if (r.done) {
            done = true;
            c.close();
          } else c.enqueue(r.value);
        } catch (e) {
          done = true;
          c.error(e);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
