/**
 * A surface's `count_tokens` route (Anthropic `POST /v1/messages/count_tokens`): asks the
 * routed backend when it has a count endpoint (Anthropic, Vertex), otherwise counts with the
 * neutral BPE tokenizer — never a stub. Lives in the proxy core so surfaces stay free of
 * backends.
 */
import type { Deployment } from '../config/types.ts';
import type { CanonicalRequest } from '../canonical/form.ts';
import { ProxyError } from '../canonical/errors.ts';
import { countRequestTokens } from '../canonical/tokens.ts';
import { UpstreamTimer, type BackendAdapter, type CellContext } from './backends/types.ts';
import type { Router } from './router.ts';
import type { ClientGone } from './client-gone.ts';
import type { Logger } from '../util/log.ts';

export interface CountTokensDeps {
  router: Router;
  backendFor(d: Deployment): BackendAdapter;
  log: Logger;
}

export async function countPromptTokens(
  deps: CountTokensDeps,
  req: CanonicalRequest,
  cell: CellContext,
  gone: ClientGone,
): Promise<{ inputTokens: number; deployment: Deployment }> {
  const alias = req.model;
  if (!deps.router.has(alias)) throw deps.router.unknownAlias(alias);
  const routed = await deps.router.call(alias, gone, async (d) => {
    const backend = deps.backendFor(d);
    if (!backend.countTokens) return { n: countRequestTokens(req), d };
    try {
      return { n: await backend.countTokens(req, { deployment: d, signal: gone.signal, timer: new UpstreamTimer(), log: deps.log, cell }), d };
    } catch (e) {
      const pe = ProxyError.from(e);
      if (pe.kind === 'client_closed') throw pe;
      deps.log.warn(`count_tokens upstream failed (${pe.code}); counting locally`, { deployment: d.id });
      return { n: countRequestTokens(req), d };
    }
  });
  routed.release();
  return { inputTokens: routed.value.n, deployment: routed.value.d };
}
