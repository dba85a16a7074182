/**
 * The upstream body of a pass-through call: the client's body with a few top-level members
 * set (the upstream `model`, OpenAI's `stream_options`). Spliced into the client's own bytes
 * when the proxy has them (util/json-splice.ts: a 126 kB body costs a scan instead of a
 * stringify and an encode), re-serialised from the parsed body when it has not or the splice
 * declines (invalid UTF-8, nesting deeper than the splice's limit: JSON.stringify then throws
 * its RangeError for bodies too deep to handle, which the pipeline answers with a 400).
 */
import type { RawCall } from '../backends/types.ts';
import { stringifyJsonBytes } from '../../util/json-bytes.ts';
import { spliceTopLevel } from '../../util/json-splice.ts';

export function passthroughBody(call: RawCall, set: Readonly<Record<string, unknown>>): Buffer {
  if (call.source) {
    const spliced = spliceTopLevel(call.source.bytes, { set, remove: call.source.remove });
    if (spliced) return spliced;
  }
  return stringifyJsonBytes({ ...call.body, ...set });
}
