/** The Anthropic Messages surface (`POST /v1/messages`), as Claude Code speaks it. */
import { ProxyError } from '../errors.ts';
import type { Surface } from '../surface.ts';
import type { Logger } from '../../util/log.ts';
import {
  anthropicErrorFrame,
  anthropicJsonTap,
  anthropicSseTapCore,
  decodeAnthropicRequest,
  encodeAnthropicError,
  encodeAnthropicResponse,
  partsToAnthropicSse,
} from '../protocols/anthropic-messages/index.ts';
import { countRequestTokens } from '../../sim/tokens.ts';

export function anthropicSurface(log: Logger): Surface {
  return {
    dialect: 'anthropic',
    forwardHeaders: ['anthropic-beta', 'anthropic-version'],
    peek(body) {
      const model = body.model;
      if (typeof model !== 'string' || !model) {
        throw new ProxyError('model: Field required (a model alias of this proxy)', { code: 'invalid_request', kind: 'invalid_request' });
      }
      // Anthropic streams always end with cumulative usage in message_delta: nothing to hide.
      return { alias: model, stream: body.stream === true, clientWantsUsage: true };
    },
    decode: (body) => decodeAnthropicRequest(body, { warn: (m) => log.warn(m) }),
    encodeError: (e) => encodeAnthropicError(e),
    encodeResponse: (res, alias) => encodeAnthropicResponse(res, alias),
    // message_start must carry the real prompt size (Claude Code reads it); upstreams that
    // report usage only at the end (OpenAI, Gemini) get a local count with the same tokenizer
    // the simulator uses — counted only when the upstream's message start has none.
    encodeStream: (o) => {
      const request = o.request;
      return partsToAnthropicSse({ model: o.alias, ...(request ? { inputTokens: () => countRequestTokens(request) } : {}) });
    },
    errorFrame: (e) => anthropicErrorFrame(e),
    sseTapCore: (o) => anthropicSseTapCore(o),
    jsonTap: (json) => anthropicJsonTap(json),
  };
}
