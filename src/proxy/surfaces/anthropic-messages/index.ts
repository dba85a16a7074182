/** The Anthropic Messages surface (`POST /v1/messages`, `/v1/messages/count_tokens`), as Claude Code speaks it. */
import { ProxyError } from '../../../canonical/errors.ts';
import type { CanonicalRequest } from '../../../canonical/form.ts';
import { computeOnce } from '../../../canonical/repeats.ts';
import { countLater, promptTokensWithoutWaiting } from '../../../canonical/tokens.ts';
import { aliasFromBody, type SurfaceFactory } from '../../surface.ts';
import {
  anthropicErrorFrame,
  anthropicJsonTap,
  anthropicSseTapCore,
  decodeAnthropicCountTokensBody,
  decodeAnthropicRequest,
  encodeAnthropicCountTokensResponse,
  encodeAnthropicError,
  encodeAnthropicResponse,
  anthropicSseEncoder,
} from '../../protocols/anthropic-messages/index.ts';

const messages = { method: 'POST', kind: 'generate', endpoint: 'messages', model: 'body' } as const;
const countTokens = { method: 'POST', kind: 'count_tokens', endpoint: 'count_tokens', model: 'body' } as const;

/** Each translated stream's prompt count, taken once per request (prepareStream, then message_start). */
const prompts = new WeakMap<CanonicalRequest, { tokens: number; uncounted: readonly string[] }>();
const promptOf = (request: CanonicalRequest) => computeOnce(prompts, request, promptTokensWithoutWaiting);

export const createSurface: SurfaceFactory = ({ log }) => ({
  dialect: 'anthropic',
  // object-spread: the route table, built once per proxy
  routes: [
    { ...messages, path: '/v1/messages' },
    { ...messages, path: '/messages' },
    { ...countTokens, path: '/v1/messages/count_tokens' },
    { ...countTokens, path: '/messages/count_tokens' },
  ],
  errorPathPrefixes: ['/v1/messages'],
  forwardHeaders: ['anthropic-beta', 'anthropic-version'],
  peek(body) {
    const alias = aliasFromBody(body, () =>
      new ProxyError('model: Field required (a model alias of this proxy)', { code: 'invalid_request', kind: 'invalid_request' }),
    );
    // Anthropic refuses a Messages request without max_tokens (count_tokens has none): so do we,
    // or an agent with that bug would pass against the simulator and fail against the API.
    if (body.max_tokens === undefined) throw new ProxyError('max_tokens: Field required', { code: 'invalid_request', kind: 'invalid_request' });
    // Anthropic streams always end with cumulative usage in message_delta: nothing to hide.
    return { alias, stream: body.stream === true, clientWantsUsage: true };
  },
  decode: (body) => decodeAnthropicRequest(body, { warn: (m) => log.warn(m) }),
  encodeError: (e) => encodeAnthropicError(e),
  encodeResponse: (res, alias) => encodeAnthropicResponse(res, alias),
  // message_start must carry the real prompt size (Claude Code reads it); upstreams that
  // report usage only at the end (OpenAI, Gemini) get a local count with the neutral
  // tokenizer — counted only when the upstream's message start has none, and text never
  // counted before (the newest turn) estimated, then counted after the stream
  // (canonical/tokens.ts promptTokensWithoutWaiting). message_delta has the upstream's count.
  // The count is taken while the upstream is answering when the pipeline asks (prepareStream),
  // else at the first part.
  prepareStream: (request) => void promptOf(request),
  streamEncoder: (o, emit) => {
    const request = o.request;
    if (!request) return anthropicSseEncoder({ model: o.alias }, emit);
    let uncounted: readonly string[] = [];
    return anthropicSseEncoder({
      model: o.alias,
      inputTokens: () => {
        const prompt = promptOf(request);
        uncounted = prompt.uncounted;
        return prompt.tokens;
      },
      onEnd: () => countLater(uncounted),
    }, emit);
  },
  errorFrame: (e) => anthropicErrorFrame(e),
  sseTapCore: (o) => anthropicSseTapCore(o),
  jsonTap: (json) => anthropicJsonTap(json),
  countTokens: {
    decode: (body) => decodeAnthropicCountTokensBody(body, { warn: (m) => log.debug(m) }),
    encode: (n) => encodeAnthropicCountTokensResponse(n),
  },
});
