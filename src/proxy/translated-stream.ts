/**
 * A translated stream's canonical parts as the pipeline reads them: the first ones inside
 * the attempt (so a break before them is retried), the rest pushed in one batch per upstream
 * chunk. For HTTP backends the upstream body's bytes are decoded synchronously from the
 * socket's events (no web stream, promise or controller per part: the web-stream chain
 * decoder → first-part wrapper → tap → encoder measured as the largest share of the
 * translated stream's CPU); a backend that only offers a ReadableStream (the simulator) is
 * read through the same interface.
 */
import { ProxyError } from '../canonical/errors.ts';
import type { StreamPart } from '../canonical/form.ts';
import type { BodyForwarding, DecodedStreamBody } from './backends/types.ts';
import { STARTS_OUTPUT } from './protocols/common/first-content.ts';

/** Takes a batch of parts synchronously; a promise returned (the client's socket is full) pauses reading until it settles. */
export type PartsSink = (parts: StreamPart[]) => Promise<void> | undefined;

export interface PartFeed {
  /** The parts read inside the attempt: up to the first part (or first content part), more when one chunk carried more. */
  readonly held: StreamPart[];
  /** Pushes every further part to `onParts`, the decoder's final parts included; `done` settles after them. */
  forward(onParts: PartsSink): BodyForwarding;
}

/**
 * Reads until the stream may be handed to the client. Without `untilContent`, one part is
 * enough, and an `upstream_stream_error` as that first part is thrown (a break before any
 * byte); with it, parts are held until the first content (or the finish), and any error
 * before that is thrown as `upstream_stream_error` (what awaitFirstContent does for the web
 * streams). The router decides whether to retry.
 */
class HeldParts {
  readonly parts: StreamPart[] = [];
  private ready = false;
  constructor(private readonly untilContent: boolean) {}
  /** Takes one part; true once the stream may go to the client. */
  add(p: StreamPart): boolean {
    if (this.ready) {
      this.parts.push(p);
      return true;
    }
    if (p.type === 'error' && (this.untilContent || (this.parts.length === 0 && p.error.code === 'upstream_stream_error'))) {
      throw this.untilContent ? ProxyError.from(p.error, 'upstream_stream_error') : p.error;
    }
    this.parts.push(p);
    this.ready = !this.untilContent || STARTS_OUTPUT.has(p.type) || p.type === 'error';
    return this.ready;
  }
  get isReady(): boolean {
    return this.ready;
  }
}

/** An HTTP backend's body, decoded per chunk: reads chunk by chunk inside the attempt until the first part(s). */
export async function feedFromBody(source: DecodedStreamBody): Promise<PartFeed> {
  const { body } = source;
  let out: StreamPart[] = [];
  const decoder = source.decoder((p) => void out.push(p));
  const held = new HeldParts(source.holdUntilContent);
  let ended = false;
  try {
    while (!held.isReady) {
      const chunk = await body.firstChunk();
      if (chunk === null) {
        ended = true;
        decoder.end();
      } else decoder.push(chunk);
      const parts = out;
      out = [];
      for (const p of parts) held.add(p);
      if (ended) break;
    }
  } catch (e) {
    // Nothing reached the client: close the upstream body (a no-op after its break; a bad frame or an early error part).
    if (!ended) closeBody(body);
    throw e;
  }
  return {
    held: held.parts,
    forward(onParts) {
      if (ended) return { done: Promise.resolve(), stop: () => {} };
      let stopped = false;
      const forwarding = body.forward((chunk) => {
        decoder.push(chunk);
        if (out.length === 0) return undefined;
        const parts = out;
        out = [];
        return onParts(parts);
      });
      const done = forwarding.done.then(() => {
        if (stopped) return;
        decoder.end();
        const parts = out;
        out = [];
        return parts.length ? onParts(parts) : undefined;
      });
      return {
        done,
        stop() {
          stopped = true;
          forwarding.stop();
        },
      };
    },
  };
}

/** A backend's ReadableStream of parts (the simulator) through the same interface. */
export async function feedFromReadable(parts: ReadableStream<StreamPart>): Promise<PartFeed> {
  const reader = parts.getReader();
  const held = new HeldParts(false);
  let ended = false;
  try {
    while (!held.isReady) {
      const r = await reader.read();
      if (r.done) {
        ended = true;
        break;
      }
      held.add(r.value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  return {
    held: held.parts,
    forward(onParts) {
      let stopped = false;
      const done = (async () => {
        while (!ended && !stopped) {
          const r = await reader.read();
          if (r.done || stopped) return;
          const wait = onParts([r.value]);
          if (wait) await wait;
        }
      })();
      return {
        done,
        stop() {
          stopped = true;
          void reader.cancel().catch(() => {});
        },
      };
    },
  };
}

/** Stops reading a body and closes it; a body that broke already has nothing left to close. */
function closeBody(body: DecodedStreamBody['body']): void {
  const forwarding = body.forward(ignoreChunk);
  forwarding.done.catch(() => {});
  forwarding.stop();
}

const ignoreChunk = (): undefined => undefined;
