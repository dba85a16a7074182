/**
 * OpenTelemetry GenAI semantic-convention names, kept here as plain strings: the
 * `@opentelemetry/semantic-conventions` package has deprecated its `gen_ai.*` constants (they
 * moved to the GenAI conventions repository), and these names are what backends index on.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  reasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  /** Seconds from the request to the first chunk of a streamed response. */
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  conversationId: 'gen_ai.conversation.id',
} as const;

/** `gen_ai.operation.name` of a chat-style generation (Anthropic Messages and OpenAI Chat alike). */
export const OPERATION_CHAT = 'chat';

/** `gen_ai.provider.name` of each backend; the simulator gets a name of our own. */
export const PROVIDER_NAMES: Record<string, string> = {
  anthropic: 'anthropic',
  openai: 'openai',
  vertex_ai: 'gcp.vertex_ai',
  sim: 'agentab.sim',
};

/** agentab's own attributes on the same spans. */
export const AGENTAB = {
  cell: 'agentab.cell',
  /** The spend line's id: joins a span to its line of spend.jsonl. */
  requestId: 'agentab.request.id',
  run: 'agentab.run',
  deployment: 'agentab.deployment',
  attempts: 'agentab.attempts',
  costUsd: 'agentab.cost_usd',
  overheadMs: 'agentab.overhead_ms',
  upstreamMs: 'agentab.upstream_ms',
  retryWaitMs: 'agentab.retry_wait_ms',
  clientWaitMs: 'agentab.client_wait_ms',
  surface: 'agentab.surface',
  endpoint: 'agentab.endpoint',
  /** Prefix of the proxy's own phase durations: `agentab.proxy.read_ms` … */
  proxyPhasePrefix: 'agentab.proxy.',
} as const;
