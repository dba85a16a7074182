/** Shared helpers of the OpenAI Chat protocol tests: fixtures and stream plumbing. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../fixtures/openai-chat/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

/** A byte stream of `bytes` cut into pieces of `size` bytes (1 = byte by byte). */
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
  const chunks = await collect(stream);
  return Buffer.concat(chunks).toString('utf8');
}

/** The `data:` payloads of SSE text, for assertions (split on the blank line; test-only). */
export function dataPayloads(sse: string): string[] {
  return sse
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => {
      if (!f.startsWith('data: ')) throw new Error(`not a data frame: ${f}`);
      return f.slice('data: '.length);
    });
}
