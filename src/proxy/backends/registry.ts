/** One backend instance per provider, created on first use. */
import type { Provider } from '../../config/types.ts';
import type { BackendAdapter } from './types.ts';
import { OpenAICompatibleBackend } from './openai-compatible/index.ts';
import { SimBackend, type SimBackendOptions } from './sim/index.ts';
import { AnthropicBackend } from './anthropic/index.ts';
import { VertexBackend, type VertexBackendDeps } from './vertex/index.ts';

export interface BackendRegistryDeps {
  sim?: SimBackendOptions;
  vertex?: VertexBackendDeps;
  /** Replace a provider's backend (tests, custom providers). */
  overrides?: Partial<Record<Provider, BackendAdapter>>;
}

export class BackendRegistry {
  private readonly made = new Map<Provider, BackendAdapter>();
  constructor(private readonly deps: BackendRegistryDeps = {}) {}

  get(provider: Provider): BackendAdapter {
    let b = this.made.get(provider);
    if (!b) {
      b = this.deps.overrides?.[provider] ?? this.create(provider);
      this.made.set(provider, b);
    }
    return b;
  }

  private create(provider: Provider): BackendAdapter {
    switch (provider) {
      case 'openai':
        return new OpenAICompatibleBackend();
      case 'sim':
        return new SimBackend(this.deps.sim ?? {});
      case 'anthropic':
        return new AnthropicBackend();
      case 'vertex_ai':
        return new VertexBackend(this.deps.vertex ?? {});
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.made.values()].map((b) => b.close?.()));
  }
}
