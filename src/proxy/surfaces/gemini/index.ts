/**
 * The Gemini API surface, as @google/genai and Gemini CLI speak it:
 * `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`. The
 * alias is read from the path; streaming is decided by the route.
 */
import { encodeSseFrame } from '../../protocols/common/sse.ts';
import {
  decodeGeminiRequest,
  encodeGeminiError,
  encodeGeminiResponse,
  geminiJsonTap,
  geminiSseTapCore,
  geminiSseEncoder,
} from '../../protocols/gemini/index.ts';
import type { RouteDef, SurfaceFactory } from '../../surface.ts';
import { withProps } from '../../../util/objects.ts';

const generate = { method: 'POST', kind: 'generate', model: 'path' } as const;
// object-spread: the route table, built once at load
const routes: RouteDef[] = ['/v1beta', '/v1'].flatMap((version) => [
  { ...generate, path: `${version}/models/{model}:generateContent`, endpoint: 'generateContent', stream: false },
  { ...generate, path: `${version}/models/{model}:streamGenerateContent`, endpoint: 'streamGenerateContent', stream: true },
]);

export const createSurface: SurfaceFactory = () => ({
  dialect: 'gemini',
  routes,
  errorPathPrefixes: ['/v1beta/', '/v1/models/'],
  forwardHeaders: [],
  peek: (_body, match) => ({ alias: match.params.model!, stream: match.route.stream === true, clientWantsUsage: true }),
  decode: (body, match) => decodeGeminiRequest(body, match.params.model!, match.route.stream === true),
  encodeError: (e) => encodeGeminiError(e),
  encodeResponse: (res, alias) => withProps(encodeGeminiResponse(res), { modelVersion: alias }),
  streamEncoder: (o, emit) => geminiSseEncoder({ model: o.alias }, emit),
  errorFrame: (e) => encodeSseFrame(JSON.stringify(encodeGeminiError(e).body)),
  sseTapCore: (o) => geminiSseTapCore(o),
  jsonTap: (json) => geminiJsonTap(json),
});
