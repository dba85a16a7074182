/** Shared helpers of the OpenAI Chat protocol tests: fixtures and stream plumbing. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export { byteStream, collect, collectText, streamOf } from '../../helpers/streams.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/openai-chat/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
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
