// The one place that maps provider names to their adapters. The core reaches providers only through here.
import { google } from './google/index.js';
import { sandbox } from './sandbox/index.js';
import { ProviderConfigError, type ProviderAdapter, type ProviderContext, type ProviderFactory } from './contract.js';

export * from './contract.js';

export const providerFactories: readonly ProviderFactory[] = [google, sandbox];

/** Builds every configured provider, keyed by name. Throws ProviderConfigError on bad settings. */
export function loadProviders(env: Record<string, string | undefined>, context: ProviderContext): Map<string, ProviderAdapter> {
  const providers = new Map<string, ProviderAdapter>();
  const problems: string[] = [];
  for (const factory of providerFactories) {
    try {
      const adapter = factory.create(env, context);
      if (adapter) providers.set(adapter.name, adapter);
    } catch (error) {
      if (!(error instanceof ProviderConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ProviderConfigError(`Invalid provider configuration:\n  - ${problems.join('\n  - ')}`);
  return providers;
}
