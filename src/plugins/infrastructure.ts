// Infrastructure the routes share, as named plugins. Each takes ownership of what it is given
// and closes it when the app closes.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ProviderAdapter } from '../../providers/index.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Database, OpenDatabase } from '../storage/database.js';
import type { StateStore } from '../state/state-store.js';
import { RateLimiter } from '../http/rate-limit.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    database: OpenDatabase;
    keyring: Keyring;
    stateStore: StateStore;
    rateLimiter: RateLimiter;
    providers: ReadonlyMap<string, ProviderAdapter>;
  }
}

export const storagePlugin = fp(
  async (app: FastifyInstance, options: { database: OpenDatabase; keyring: Keyring }) => {
    app.decorate('database', options.database);
    app.decorate('db', options.database.db);
    app.decorate('keyring', options.keyring);
    app.addHook('onClose', () => options.database.close());
  },
  { name: 'calbroker-storage' },
);

export const stateStorePlugin = fp(
  async (app: FastifyInstance, options: { stateStore: StateStore }) => {
    app.decorate('stateStore', options.stateStore);
    app.decorate('rateLimiter', new RateLimiter(options.stateStore));
    app.addHook('onClose', () => options.stateStore.close());
  },
  { name: 'calbroker-state-store' },
);

export const providersPlugin = fp(
  async (app: FastifyInstance, options: { providers: ReadonlyMap<string, ProviderAdapter>; closeUpstream?: () => Promise<void> }) => {
    app.decorate('providers', options.providers);
    if (options.closeUpstream) app.addHook('onClose', options.closeUpstream);
  },
  { name: 'calbroker-providers' },
);
