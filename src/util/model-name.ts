/**
 * Model names as providers and gateways write them, reduced to a bare model id, so price
 * tables and the simulator's model profiles can match one name however it was spelt.
 */

/**
 * Reduces the model names providers and gateways use to a bare model id:
 * `publishers/google/models/gemini-2.5-pro` → `gemini-2.5-pro`,
 * `projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4-5@20250929` → `claude-sonnet-4-5`,
 * `google/gemini-2.5-flash`, `vertex_ai/…`, `anthropic.claude-…-v1:0` (Bedrock) → bare id.
 * A `sim/` prefix is kept (`sim/x` stays `sim/x`) so every simulator model prices as sim.
 */
export function normaliseModelName(model: string): string {
  let m = model.trim().toLowerCase();
  const slash = m.lastIndexOf('/');
  if (!m.startsWith('sim/') && slash >= 0) m = m.slice(slash + 1);
  m = m.replace(/^(?:[a-z]{2}\.)?(?:anthropic|openai|google)\./, ''); // Bedrock `us.anthropic.` style
  m = m.replace(/@.*$/, ''); // Vertex version suffix
  m = m.replace(/-v\d+(?::\d+)?$/, ''); // Bedrock `-v1:0`
  return m;
}

/** The bare id of the model a `sim/…` deployment stands in for (`sim/claude-sonnet-4-5` → `claude-sonnet-4-5`). */
export function simulatedModelName(model: string): string {
  return normaliseModelName(model).replace(/^sim\//, '');
}
