/** The OpenAI Chat Completions surface (`POST /v1/chat/completions`). */
import { ProxyError } from '../errors.ts';
import type { Surface } from '../surface.ts';
import {
  decodeOpenAIRequest,
  encodeOpenAIError,
  encodeOpenAIResponse,
  openAIJsonTap,
  openAISseTapCore,
  partsToOpenAISse,
} from '../protocols/openai-chat/index.ts';

const enc = new TextEncoder();

export const openAISurface: Surface = {
  dialect: 'openai',
  forwardHeaders: [],
  peek(body) {
    const model = body.model;
    if (typeof model !== 'string' || !model) {
      throw new ProxyError('model: required (a string naming a model alias of this proxy)', {
        code: 'invalid_request',
        kind: 'invalid_request',
      });
    }
    const so = body.stream_options as { include_usage?: unknown } | undefined;
    return { alias: model, stream: body.stream === true, clientWantsUsage: so?.include_usage === true };
  },
  decode: (body) => decodeOpenAIRequest(body),
  encodeError: (e) => encodeOpenAIError(e),
  encodeResponse: (res, alias) => encodeOpenAIResponse(res, alias),
  encodeStream: (o) => partsToOpenAISse({ model: o.alias, includeUsage: o.includeUsage }),
  errorFrame: (e) => enc.encode(`data: ${JSON.stringify(encodeOpenAIError(e).body)}\n\n`),
  sseTapCore: (o) => openAISseTapCore(o),
  jsonTap: (json) => openAIJsonTap(json),
};
