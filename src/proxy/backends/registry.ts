/**
 * The backends, by the provider name a deployment's `model: <provider>/<model>` uses. Adding
 * one is a folder under backends/ exporting `createBackend` and one line here
 * (CONTRIBUTING.md). Loaded lazily: the config loader reads the names from here without
 * importing any backend, and the proxy loads only the backends its deployments use.
 */
import type { BackendAdapter } from './types.ts';

export interface BackendModule {
  /** `options`: what an embedding program or test injects for this backend (BackendRegistryDeps.options). */
  createBackend(options: unknown): BackendAdapter;
}

export const BACKENDS: Readonly<Record<string, () => Promise<BackendModule>>> = {
  openai: () => import('./openai-compatible/index.ts'),
  vertex_ai: () => import('./vertex/index.ts'),
  anthropic: () => import('./anthropic/index.ts'),
  sim: () => import('./sim/index.ts'),
};

/** Provider names a deployment may use, in registration order. */
export const BACKEND_NAMES: readonly string[] = Object.keys(BACKENDS);

export interface BackendRegistryDeps {
  /** Per provider name: options handed to its `createBackend` (fake clocks, token providers). */
  options?: Readonly<Record<string, unknown>>;
  /** Replace a provider's backend (tests, custom providers). */
  overrides?: Readonly<Record<string, BackendAdapter>>;
}

/** One backend instance per provider, created by `load` before the proxy serves. */
export class BackendRegistry {
  private readonly made = new Map<string, BackendAdapter>();
  constructor(private readonly deps: BackendRegistryDeps = {}) {}

  /** Creates the backends of these providers (once each). */
  async load(providers: Iterable<string>): Promise<void> {
    for (const provider of new Set(providers)) {
      if (this.made.has(provider)) continue;
      const override = this.deps.overrides?.[provider];
      if (override) {
        this.made.set(provider, override);
        continue;
      }
      const loader = BACKENDS[provider];
      if (!loader) throw new Error(`unknown provider "${provider}" (known: ${BACKEND_NAMES.join(', ')})`);
      this.made.set(provider, (await loader()).createBackend(this.deps.options?.[provider]));
    }
  }

  /** Whether a loaded backend tokenises on every call (BackendAdapter.countsTokensPerCall). */
  get countsTokensPerCall(): boolean {
    for (const backend of this.made.values()) if (backend.countsTokensPerCall) return true;
    return false;
  }

  get(provider: string): BackendAdapter {
    const b = this.made.get(provider);
    if (!b) throw new Error(`backend "${provider}" was not loaded (BackendRegistry.load lists the providers a config uses)`);
    return b;
  }

  async close(): Promise<void> {
    await Promise.all([...this.made.values()].map((b) => b.close?.()));
  }
}
