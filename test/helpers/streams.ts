/** Web stream plumbing shared by the protocol and backend tests. */

/** A byte stream of `bytes` cut into pieces of `size` bytes (1 = byte by byte, splitting UTF-8 characters). */
export function byteStream(bytes: Uint8Array, size = bytes.length): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  });
}

export function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream({
    start(c) {
      for (const item of items) c.enqueue(item);
      c.close();
    },
  });
}

export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream as unknown as AsyncIterable<T>) out.push(item);
  return out;
}

export async function collectText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return Buffer.concat(await collect(stream)).toString('utf8');
}
