/** What one Vertex call needs besides the request: the upstream model, auth headers, a warning sink. */
import type { TokenProvider } from './auth.ts';

export interface VertexCall {
  /** Model name as the chosen Vertex API wants it. */
  model: string;
  tokens: TokenProvider;
  /** Bearer auth plus the deployment's extra headers. */
  headers(): Promise<Record<string, string>>;
  warn(message: string): void;
}
