/** `POST /v1/messages/count_tokens`. */
import type { Surface } from '../surface.ts';
import type { Router } from '../router.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import type { Logger } from '../../util/log.ts';
import { ProxyError } from '../errors.ts';
import { UpstreamTimer } from '../backends/types.ts';
import { decodeAnthropicCountTokensBody, encodeAnthropicCountTokensResponse } from '../protocols/anthropic-messages/index.ts';
import { countRequestTokens } from '../../sim/tokens.ts';

/**
 * `POST /v1/messages/count_tokens`: asks the routed backend when it has a count endpoint
 * (Anthropic, Vertex), otherwise counts with the local BPE tokenizer — never a stub.
 */
export function countTokensHandler(deps: { router: Router; backends: BackendRegistry; log: Logger }) {
  return async (_surface: Surface, body: Record<string, unknown>, _cellId: string | undefined, signal: AbortSignal) => {
    const req = decodeAnthropicCountTokensBody(body, { warn: (m) => deps.log.debug(m) });
    const alias = req.model;
    if (!deps.router.has(alias)) throw deps.router.unknownAlias(alias);
    const routed = await deps.router.call(alias, signal, async (d) => {
      const backend = deps.backends.get(d.provider);
      if (!backend.countTokens) return { n: countRequestTokens(req), d };
      try {
        return { n: await backend.countTokens(req, { deployment: d, signal, timer: new UpstreamTimer(), log: deps.log }), d };
      } catch (e) {
        const pe = ProxyError.from(e);
        if (pe.kind === 'client_closed') throw pe;
        deps.log.warn(`count_tokens upstream failed (${pe.code}); counting locally`, { deployment: d.id });
        return { n: countRequestTokens(req), d };
      }
    });
    routed.release();
    return { body: encodeAnthropicCountTokensResponse(routed.value.n), deployment: routed.value.d };
  };
}
