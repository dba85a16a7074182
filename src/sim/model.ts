/**
 * The simulated model: a CanonicalRequest in, a stream of canonical parts out (or a whole
 * response), taking time like a real model. Everything is decided up front by planCall;
 * this file sleeps and emits:
 *   message-start (usage.input) → per block: start, deltas, block-end → finish {reason, usage}.
 * Failures drawn before the first token are thrown; an abort mid-stream becomes an
 * 'error' part and ends the stream.
 */
import type { SimOptions } from '../config/types.ts';
import { type CanonicalRequest, type CanonicalResponse, collectStream, type StreamPart } from '../canonical/form.ts';
import { ProxyError } from '../canonical/errors.ts';
import { sleep as realSleep, type Sleep } from '../util/sleep.ts';
import { type CallPlan, createSimState, planCall, type SimState } from './plan.ts';
import type { SimAction } from './script.ts';

export interface SimDeps {
  /** Injected for tests; defaults to a real, abortable setTimeout sleep. */
  sleep?: Sleep;
  /** Aborts the call: sleeping stops at once and the stream ends with an 'error' part. */
  signal?: AbortSignal;
  /** Cache and attempt memory shared across calls; a fresh one per call when omitted. */
  state?: SimState;
  /** Model name to report (and whose caching minimum and cache applies); defaults to the request's. */
  model?: string;
  /** Whose prompt cache the call uses (e.g. one per credential and cell); one shared scope when omitted. */
  cacheScope?: string;
  /** Called once, when the first token is emitted. */
  onFirstToken?: () => void;
  /** Called once, when the stream has ended (finished, failed, aborted or cancelled). */
  onEnd?: () => void;
}

function abortError(reason: unknown): ProxyError {
  if (reason instanceof ProxyError) return reason;
  return new ProxyError('the simulated call was aborted', { code: 'sim_aborted', kind: 'client_closed', cause: reason });
}

async function* emit(
  plan: CallPlan,
  sleep: Sleep,
  signal: AbortSignal,
  onFirstToken: (() => void) | undefined,
  onEnd: () => void,
): AsyncGenerator<StreamPart> {
  const wait = async (ms: number) => {
    if (ms > 0) await sleep(ms, signal);
    if (signal.aborted) throw signal.reason;
  };
  try {
    await wait(plan.ttftMs);
    onFirstToken?.();
    const { input, cacheRead, cacheWrite } = plan.usage;
    yield { type: 'message-start', id: plan.id, model: plan.model, usage: { input, output: 0, cacheRead, cacheWrite, reasoning: 0 } };
    for (const [index, block] of plan.blocks.entries()) {
      await wait(block.delayMs);
      if (block.kind === 'text') yield { type: 'text-start', index };
      else yield { type: 'tool-call-start', index, id: block.id, name: block.name };
      for (const c of block.chunks) {
        await wait(c.delayMs);
        if (block.kind === 'text') yield { type: 'text-delta', index, text: c.text };
        else yield { type: 'tool-call-delta', index, argsJson: c.text };
      }
      yield { type: 'block-end', index };
    }
    yield { type: 'finish', reason: plan.finish, usage: { ...plan.usage } };
  } catch (e) {
    yield { type: 'error', error: signal.aborted ? abortError(signal.reason) : ProxyError.from(e, 'sim_error') };
  } finally {
    onEnd();
  }
}

/**
 * Streams the simulated answer to `req`. Throws (synchronously) a ProxyError when the call
 * is drawn to fail or the signal is already aborted.
 */
export function simulate(
  req: CanonicalRequest,
  opts: SimOptions,
  script: readonly SimAction[] | undefined,
  deps: SimDeps = {},
): ReadableStream<StreamPart> {
  if (deps.signal?.aborted) throw abortError(deps.signal.reason);
  const plan = planCall(req, opts, script, deps.state ?? createSimState(), deps.model ?? req.model, { cacheScope: deps.cacheScope ?? 'default' });
  // Our own controller, so a consumer's cancel() stops the sleeps as the caller's signal does.
  const ac = new AbortController();
  const outer = deps.signal;
  const onAbort = () => ac.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    outer?.removeEventListener('abort', onAbort);
    deps.onEnd?.();
  };
  const parts = emit(plan, deps.sleep ?? realSleep, ac.signal, deps.onFirstToken, end);
  let cancelled = false;
  return new ReadableStream<StreamPart>(
    {
      async pull(controller) {
        const r = await parts.next();
        if (cancelled) return;
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel(reason) {
        cancelled = true;
        ac.abort(reason);
        await parts.return(undefined);
        end(); // the generator may never have started
      },
    },
    { highWaterMark: 0 },
  );
}

/** The whole simulated answer, after the time a non-streaming call would take. */
export async function simulateResponse(
  req: CanonicalRequest,
  opts: SimOptions,
  script: readonly SimAction[] | undefined,
  deps: SimDeps = {},
): Promise<CanonicalResponse> {
  return collectStream(simulate(req, opts, script, deps));
}
