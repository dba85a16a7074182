/** Stream plumbing and fixtures shared by the Anthropic, Gemini and backend tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StreamPart } from '../../../src/canonical/form.ts';
import { byteStream, collect } from '../../helpers/streams.ts';

export { byteStream, collect, collectText, streamOf } from '../../helpers/streams.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** `dir` is the fixture folder: anthropic, gemini or openai-chat. */
export function fixture(dir: 'anthropic' | 'gemini' | 'openai-chat', name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${dir}/${name}`));
}

export async function decodeAll(bytes: Uint8Array, decoder: TransformStream<Uint8Array, StreamPart>, size?: number): Promise<StreamPart[]> {
  return collect(byteStream(bytes, size).pipeThrough(decoder));
}

export interface SseFrame {
  event: string | undefined;
  data: unknown;
}

/** SSE text → frames, for assertions (test-only; the code under test uses eventsource-parser). */
export function frames(sse: string): SseFrame[] {
  return sse
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      let event: string | undefined;
      let data = '';
      for (const line of f.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length);
        else if (line.startsWith('data: ')) data += line.slice('data: '.length);
      }
      return { event, data: JSON.parse(data) as unknown };
    });
}

/** Drops the ids and model names a round trip legitimately rewrites, keeping everything else. */
export function withoutIdentity<T extends { id: string; model: string }>(r: T): Omit<T, 'id' | 'model'> {
  const { id: _id, model: _model, ...rest } = r;
  return rest;
}
