/**
 * The OpenAI Responses API surface (`POST /v1/responses`), as the `openai` SDK's
 * `responses.create` / `responses.stream` and Codex CLI speak it. Errors share the OpenAI
 * shape `{error: {message, type, code}}`.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import { encodeSseFrame } from '../../protocols/common/sse.ts';
import { encodeOpenAIError } from '../../protocols/openai-chat/index.ts';
import {
  decodeResponsesRequest,
  encodeResponsesResponse,
  responsesSseEncoder,
  responsesJsonTap,
  responsesSseTapCore,
} from '../../protocols/openai-responses/index.ts';
import { aliasFromBody, type SurfaceFactory } from '../../surface.ts';

const responses = { method: 'POST', kind: 'generate', endpoint: 'responses', model: 'body' } as const;

export const createSurface: SurfaceFactory = ({ log }) => ({
  dialect: 'openai-responses',
  // object-spread: the route table, built once per proxy
  routes: [
    { ...responses, path: '/v1/responses' },
    { ...responses, path: '/responses' },
    { ...responses, path: '/openai/v1/responses' },
  ],
  errorPathPrefixes: ['/v1/responses', '/responses'],
  forwardHeaders: [],
  peek(body) {
    const alias = aliasFromBody(body, () =>
      new ProxyError('model: required (a string naming a model alias of this proxy)', { code: 'invalid_request', kind: 'invalid_request' }),
    );
    // Responses streams always end with the usage in response.completed: nothing to hide.
    return { alias, stream: body.stream === true, clientWantsUsage: true };
  },
  decode: (body) => decodeResponsesRequest(body, { warn: (m) => log.debug(m) }),
  encodeError: (e) => encodeOpenAIError(e),
  encodeResponse: (res, alias, body) => encodeResponsesResponse(res, alias, body),
  streamEncoder: (o, emit) => responsesSseEncoder({ model: o.alias, ...(o.request?.raw ? { request: o.request.raw } : {}) }, emit),
  errorFrame: (e) => encodeSseFrame(JSON.stringify({ type: 'error', code: e.code, message: e.message, param: null }), 'error'),
  sseTapCore: (o) => responsesSseTapCore(o),
  jsonTap: (json) => responsesJsonTap(json),
});
