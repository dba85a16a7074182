/** The OpenAI Chat Completions surface (`POST /v1/chat/completions`), as OpenCode speaks it. */
import { ProxyError } from '../../../canonical/errors.ts';
import { aliasFromBody, type SurfaceFactory } from '../../surface.ts';
import {
  decodeOpenAIRequest,
  encodeOpenAIError,
  encodeOpenAIResponse,
  openAIJsonTap,
  openAISseTapCore,
  openAISseEncoder,
} from '../../protocols/openai-chat/index.ts';

const enc = new TextEncoder();
const chat = { method: 'POST', kind: 'generate', endpoint: 'chat', model: 'body' } as const;

export const createSurface: SurfaceFactory = () => ({
  dialect: 'openai',
  // object-spread: the route table, built once per proxy
  routes: [
    { ...chat, path: '/v1/chat/completions' },
    { ...chat, path: '/chat/completions' },
    { ...chat, path: '/openai/v1/chat/completions' },
  ],
  errorPathPrefixes: ['/'],
  forwardHeaders: [],
  peek(body) {
    const alias = aliasFromBody(body, () =>
      new ProxyError('model: required (a string naming a model alias of this proxy)', { code: 'invalid_request', kind: 'invalid_request' }),
    );
    const so = body.stream_options as { include_usage?: unknown } | undefined;
    return { alias, stream: body.stream === true, clientWantsUsage: so?.include_usage === true };
  },
  decode: (body) => decodeOpenAIRequest(body),
  encodeError: (e) => encodeOpenAIError(e),
  encodeResponse: (res, alias) => encodeOpenAIResponse(res, alias),
  streamEncoder: (o, emit) => openAISseEncoder({ model: o.alias, includeUsage: o.includeUsage }, emit),
  errorFrame: (e) => enc.encode(`data: ${JSON.stringify(encodeOpenAIError(e).body)}\n\n`),
  sseTapCore: (o) => openAISseTapCore(o),
  jsonTap: (json) => openAIJsonTap(json),
});
