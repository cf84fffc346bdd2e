// Opens what the app depends on, from configuration: PostgreSQL or PGlite, Redis or in-process state,
// the encryption keys, and the configured providers.
import path from 'node:path';
import { loadProviders, type ProviderAdapter } from '../providers/index.js';
import type { Config } from './config.js';
import { Keyring } from './crypto/keyring.js';
import { openPglite, openPostgres, type OpenDatabase } from './storage/database.js';
import { MemoryStateStore } from './state/memory-state-store.js';
import { RedisStateStore } from './state/redis-state-store.js';
import type { StateStore } from './state/state-store.js';
import { createUpstreamFetch } from './upstream/http.js';

export async function openKeyring(config: Config): Promise<Keyring> {
  return config.encryptionKeys ? Keyring.parse(config.encryptionKeys) : Keyring.loadOrCreate(path.resolve(config.dataDir));
}

export async function openDatabase(config: Config): Promise<OpenDatabase> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(path.resolve(config.dataDir));
}

export async function openStateStore(config: Config): Promise<StateStore> {
  return config.redisUrl ? RedisStateStore.connect(config.redisUrl, config.redisKeyPrefix) : new MemoryStateStore();
}

export interface Runtime {
  database: OpenDatabase;
  stateStore: StateStore;
  keyring: Keyring;
  providers: Map<string, ProviderAdapter>;
  /** Closes the upstream HTTP client's connections. */
  closeUpstream: () => Promise<void>;
}

export async function openRuntime(config: Config, env: Record<string, string | undefined> = process.env): Promise<Runtime> {
  // Cheap checks first, so a bad setting fails before any connection is made.
  const keyring = await openKeyring(config);
  const upstream = createUpstreamFetch({ timeoutMs: config.upstreamTimeoutMs });
  const providers = loadProviders(env, {
    publicUrl: config.publicUrl,
    fetch: upstream.fetch,
    embedded: config.embedded,
    selfUrl: config.selfUrl,
    deriveSecret: (purpose) => keyring.deriveSecrets(purpose)[0]!,
  });
  const stateStore = await openStateStore(config);
  try {
    const database = await openDatabase(config);
    return { database, stateStore, keyring, providers, closeUpstream: upstream.close };
  } catch (error) {
    await Promise.all([stateStore.close(), upstream.close()]);
    throw error;
  }
}
