/** Parses a deployment target `<provider>/<model>` (LiteLLM's `model` field). */
import { BACKEND_NAMES } from '../proxy/backends/registry.ts';

export type ModelTarget = { ok: true; provider: string; model: string } | { ok: false; detail: string };

const isProvider = (s: string): boolean => BACKEND_NAMES.includes(s);

export function parseModelTarget(text: string): ModelTarget {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, detail: `"${text}" has no provider: expected <provider>/<model>` };
  // Only the first slash separates the provider: model names may hold slashes (meta-llama/Llama-3…).
  const provider = text.slice(0, slash);
  const model = text.slice(slash + 1);
  if (!isProvider(provider)) return { ok: false, detail: `unknown provider "${provider}" in "${text}"` };
  if (!model) return { ok: false, detail: `"${text}" has no model name after "${provider}/"` };
  return { ok: true, provider, model };
}
