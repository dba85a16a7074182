/**
 * Server-sent events, both directions, for every dialect's stream codec.
 * Parsing uses eventsource-parser (never regexes): bytes → decoded text → events.
 */
import { isAscii } from 'node:buffer';
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

/** One event back to SSE text, multi-line data as several `data:` lines. */
export function frameText(event: EventSourceMessage): string {
  let out = '';
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  for (const line of event.data.split('\n')) out += `data: ${line}\n`;
  return out + '\n';
}

/** What a pass-through tap does with one event's data: true drops its frame from what is forwarded. */
export type SseDataInspector = (data: string) => boolean;

/**
 * A pass-through tap's view of the events, with what must be known before a frame is forwarded
 * (`drops`) kept apart from what may be learned after (`observe`), so that the reading of most
 * frames can run after their bytes left (see createDeferringSseFrameTap).
 */
export interface SseEventObserver {
  /**
   * True leaves the event's frame out of the forwarded bytes. Decided before the frame is
   * forwarded, from this event alone: it must not depend on earlier events (the observations
   * of earlier frames may not have run yet).
   */
  drops(data: string): boolean;
  /**
   * A byte-level pre-check of a lone `data:` line's payload, bytes[start, end) given as a
   * Latin-1 string (one character per byte, so only ASCII characters are meaningful): false only
   * when `drops` of that payload would surely be false, so the frame is forwarded without decoding
   * it. (Always true when every frame's drop is to be decided from its text.)
   */
  mayDrop(bytes: string, start: number, end: number): boolean;
  /** Every event, once, in stream order; `arrivedAt` is the clock at the push that brought it. */
  observe(data: string, arrivedAt: number): void;
}

export interface SseFrameTap {
  /** The bytes to forward now: every frame these bytes completed, minus dropped ones (the upstream's own bytes). */
  push(bytes: Uint8Array): Uint8Array;
  /** The rest at the end of the stream (a last frame the server did not terminate gets its blank line). */
  end(): Uint8Array;
}

export interface DeferringSseFrameTap extends SseFrameTap {
  /**
   * Observes every event not yet observed (the frames of the previous push are observed at the
   * start of the next one, the rest here). Call it after the bytes were written, and before
   * anything reads what the observer learned.
   */
  settle(): void;
}

const LF = 0x0a;
const SPACE = 0x20;
const EMPTY = new Uint8Array(0);
const NO_BYTES = Buffer.alloc(0);
const BLANK_LINE = Buffer.from('\n\n');
/** A queued event whose item is its decoded data already (no offsets into a chunk). */
const DECODED = -1;
const alwaysMayDrop = (): boolean => true;
const observeNothing = (): void => undefined;
const noClock = (): number => 0;

/**
 * The pass-through taps' frame reader, inspecting each event before its frame is forwarded:
 * `inspect` returns true to drop the frame. createDeferringSseFrameTap with every frame
 * decided from its text and nothing observed later.
 */
export function createSseFrameTap(inspect: SseDataInspector): SseFrameTap {
  return createDeferringSseFrameTap({ drops: inspect, mayDrop: alwaysMayDrop, observe: observeNothing }, noClock);
}

/**
 * The pass-through taps' frame reader: splits upstream bytes into complete SSE frames without
 * decoding or copying them, decides for each event whether its frame is dropped
 * (`observer.drops`, decoded only when the byte pre-check `mayDrop` says it might be), and
 * returns the upstream's own bytes of the complete frames (dropped ones left out), holding back
 * an unfinished frame until its end arrives. Each event's `observe` is queued, in order, and
 * runs at the start of the next push or at `settle()` — after the caller wrote this push's
 * bytes — so that decoding the frames for the call record is off the path between the
 * upstream's bytes arriving and the client's bytes leaving.
 *
 * Hand-written because it runs on every chunk of every streamed pass-through call, where
 * decoding all bytes to text and re-scanning them line by line (createSseReader) measured as
 * the largest share of the proxy's CPU per streamed request. The fast path covers what
 * OpenAI-compatible servers send: LF line ends and one `data:` line per frame. Each chunk is
 * read once as Latin-1 text (one character per byte: the frame boundaries, the `data:` field and
 * the pre-check's brackets are ASCII, which never occurs inside a UTF-8 sequence, so text offsets
 * are byte offsets), framed with string searches, and a payload is decoded as UTF-8 only when its
 * chunk has a non-ASCII byte (otherwise the Latin-1 slice is that text). Framing on the bytes
 * (Buffer.indexOf, compare and a decode per frame) cost several native calls per frame: the
 * tap took ≈ 45 µs on the bench's 9-frame stream against ≈ 25 µs for the lean gateway's
 * whole-text split (bench/PROFILE.md, ninth pass on the proxy). Other frames (comments, `event:`/`id:`
 * fields, multi-line data) are parsed by eventsource-parser one frame at a time; a stream with a
 * CR anywhere hands all its remaining bytes to createSseReader and is re-serialised frame by frame.
 */
export function createDeferringSseFrameTap(observer: SseEventObserver, now: () => number): DeferringSseFrameTap {
  /** The bytes of an unfinished frame (always starts at a frame boundary). */
  let carry: Buffer = NO_BYTES;
  /** Frames that are not a lone data line: eventsource-parser, fed one whole frame at a time. */
  let frameParser: ReturnType<typeof createParser> | undefined;
  let frameDropped = false;
  /** Set once a CR was seen: the rest of the stream goes through the full reader. */
  let slow: SseFrameTap | undefined;

  // Events waiting for `observe`, in stream order, four slots each: the decoded data (start
  // DECODED), or the chunk's Latin-1 text (an ASCII chunk: its slice is the data) or bytes
  // holding the payload with the payload's start and end in it, and the push's clock. One flat
  // array, reused: no object per frame, one allocation per tap (the tap is built on every
  // streamed call's path).
  const queue: (string | Buffer | number)[] = [];
  let queued = 0;
  /** The clock of the current push, read once, when its first event is queued. */
  let pushAt: number | undefined;

  const enqueue = (item: string | Buffer, start: number, end: number): void => {
    pushAt ??= now();
    queue[queued] = item;
    queue[queued + 1] = start;
    queue[queued + 2] = end;
    queue[queued + 3] = pushAt;
    queued += 4;
  };

  const settle = (): void => {
    for (let i = 0; i < queued; i += 4) {
      const item = queue[i] as string | Buffer;
      const start = queue[i + 1] as number;
      const end = queue[i + 2] as number;
      const data = start === DECODED ? (item as string) : typeof item === 'string' ? item.slice(start, end) : item.toString('utf8', start, end);
      queue[i] = 0; // the chunk is not kept alive by the queue
      observer.observe(data, queue[i + 3] as number);
    }
    queued = 0;
  };

  /** An event whose data is decoded: its drop decided now, its observation queued. */
  const decided = (data: string): boolean => {
    const drop = observer.drops(data);
    enqueue(data, DECODED, DECODED);
    return drop;
  };

  /**
   * Decides the frame [start, end) (no terminator) of `buf`, whose Latin-1 text is `text`
   * (`ascii`: the chunk has no byte above 0x7f, so the text is also its UTF-8 decoding); true
   * when it is to be dropped.
   */
  const inspectFrame = (buf: Buffer, text: string, ascii: boolean, start: number, end: number): boolean => {
    const lineEnd = text.indexOf('\n', start);
    const oneLine = lineEnd === -1 || lineEnd >= end;
    if (oneLine && text.startsWith('data:', start)) {
      let from = start + 5;
      if (from < end && text.charCodeAt(from) === SPACE) from++;
      if (observer.mayDrop(text, from, end)) return decided(ascii ? text.slice(from, end) : buf.toString('utf8', from, end));
      if (ascii) enqueue(text, from, end);
      else enqueue(buf, from, end);
      return false;
    }
    frameDropped = false;
    frameParser ??= createParser({
      onEvent: (event) => {
        if (decided(event.data)) frameDropped = true;
      },
    });
    frameParser.feed(buf.toString('utf8', start, end) + '\n\n');
    return frameDropped;
  };

  /** A CR arrived: from here on (the carried frame included) the full reader parses and re-serialises. */
  const goSlow = (rest: Uint8Array): Uint8Array => {
    let pending = '';
    const reader = createSseReader(
      (event) => {
        if (!decided(event.data)) pending += frameText(event);
      },
      (comment) => {
        pending += `: ${comment}\n\n`;
      },
    );
    const take = (): Uint8Array => {
      if (pending === '') return EMPTY;
      const out = Buffer.from(pending);
      pending = '';
      return out;
    };
    slow = {
      push(bytes) {
        reader.feed(bytes);
        return take();
      },
      end() {
        reader.end();
        return take();
      },
    };
    carry = NO_BYTES;
    return slow.push(rest);
  };

  const pushFrames = (bytes: Uint8Array): Uint8Array => {
    if (slow) return slow.push(bytes);
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const text = buf.toString('latin1');
    if (text.indexOf('\r', carry.length) !== -1) return goSlow(buf);
    const ascii = isAscii(buf);
    let kept: Buffer[] | undefined;
    let keepFrom = 0;
    let frameStart = 0;
    // A terminator may straddle the carried bytes and the new ones.
    let at = text.indexOf('\n\n', Math.max(0, carry.length - 1));
    while (at !== -1) {
      if (at > frameStart && inspectFrame(buf, text, ascii, frameStart, at)) {
        (kept ??= []).push(buf.subarray(keepFrom, frameStart));
        keepFrom = at + 2;
      }
      frameStart = at + 2;
      at = text.indexOf('\n\n', frameStart);
    }
    // Copied: a slice would keep the whole chunk alive until the frame completes.
    carry = frameStart < buf.length ? Buffer.from(buf.subarray(frameStart)) : NO_BYTES;
    if (!kept) return frameStart === buf.length ? buf : buf.subarray(0, frameStart);
    kept.push(buf.subarray(keepFrom, frameStart));
    return Buffer.concat(kept);
  };

  return {
    push(bytes) {
      // The previous push's bytes were handed to the writer: observe its events now.
      if (queued > 0) settle();
      pushAt = undefined;
      return pushFrames(bytes);
    },
    end() {
      pushAt = undefined;
      if (slow) return slow.end();
      const rest = carry;
      carry = NO_BYTES;
      let end = rest.length;
      while (end > 0 && rest[end - 1] === LF) end--;
      // Only blank lines left (or nothing): nothing to dispatch, nothing to forward.
      if (end === 0) return EMPTY;
      if (inspectFrame(rest, rest.toString('latin1', 0, end), isAscii(rest), 0, end)) return EMPTY;
      return Buffer.concat([rest, rest[rest.length - 1] === LF ? BLANK_LINE.subarray(1) : BLANK_LINE]);
    },
    settle,
  };
}
