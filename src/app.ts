// Builds the calbroker fastify app from already-opened dependencies. It does not listen: see server.ts.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ProviderAdapter } from '../providers/index.js';
import type { Config } from './config.js';
import type { Keyring } from './crypto/keyring.js';
import { errorHandler } from './http/error-handler.js';
import { requireBearer } from './http/bearer.js';
import { loggerOptions } from './logging.js';
import { providersPlugin, stateStorePlugin, storagePlugin } from './plugins/infrastructure.js';
import { openapiPlugin } from './plugins/openapi.js';
import { authorizeRoutes } from './routes/authorize/index.js';
import { connectRoutes } from './routes/connect.js';
import { docsRoutes } from './routes/docs.js';
import { ensureDemoApp } from './demo/demo-app.js';
import { demoRoutes } from './demo/routes.js';
import { dashboardRoutes } from './routes/dashboard/index.js';
import { metadataRoutes } from './routes/metadata.js';
import { registrationRoutes } from './routes/registration.js';
import { tokenRoutes } from './routes/token/index.js';
import { Pager } from './calendar/pages.js';
import { accountRoutes } from './routes/v1/account.js';
import { calendarRoutes } from './routes/v1/calendars.js';
import { eventWriteRoutes } from './routes/v1/event-writes.js';
import { eventReadRoutes } from './routes/v1/events.js';
import type { OpenDatabase } from './storage/database.js';
import type { StateStore } from './state/state-store.js';
import { UpstreamAccess } from './upstream/access.js';

/** Events (and free/busy periods) per /v1 page. */
const EVENTS_PAGE_SIZE = 100;

export interface AppDependencies {
  config: Config;
  database: OpenDatabase;
  stateStore: StateStore;
  keyring: Keyring;
  providers: ReadonlyMap<string, ProviderAdapter>;
  closeUpstream?: () => Promise<void>;
  /** Overrides the logger built from config (tests capture logs through it). */
  logger?: FastifyServerOptions['loggerInstance'];
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy,
    // Ids we hand out are long; keep the default guard against absurd URLs.
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;

  const secureCookies = config.publicUrl.startsWith('https:');
  await app.register(errorHandler, { issuer: config.publicUrl });
  await app.register(storagePlugin, { database: deps.database, keyring: deps.keyring });
  await app.register(stateStorePlugin, { stateStore: deps.stateStore });
  await app.register(providersPlugin, { providers: deps.providers, closeUpstream: deps.closeUpstream });
  await app.register(cookie, { secret: deps.keyring.deriveSecrets('cookie signing') });
  await app.register(formbody);
  // Before the routes: it collects them as they are added.
  await app.register(openapiPlugin, { publicUrl: config.publicUrl });

  await app.register(metadataRoutes, { publicUrl: config.publicUrl });
  await app.register(registrationRoutes, { registrationToken: config.registrationToken });
  await app.register(authorizeRoutes, { publicUrl: config.publicUrl, secureCookies });
  await app.register(connectRoutes, { publicUrl: config.publicUrl, secureCookies, helpUrl: config.helpUrl });
  await app.register(tokenRoutes);
  // Simulated providers serve their upstream side from here (under their own path prefix).
  for (const provider of deps.providers.values()) if (provider.server) await app.register(provider.server);
  // With a simulated provider on, calbroker also serves a small demo app that uses it.
  const simulated = [...deps.providers.values()].find((p) => p.simulated);
  if (simulated) {
    const demoApp = await ensureDemoApp(deps.database.db, config.publicUrl);
    await app.register(demoRoutes, { publicUrl: config.publicUrl, selfUrl: config.selfUrl, clientId: demoApp.id, providerName: simulated.name, secureCookies });
  }

  const upstream = new UpstreamAccess(deps.database.db, deps.keyring, deps.stateStore, app.log);
  await app.register(async (v1) => {
    requireBearer(v1);
    await v1.register(calendarRoutes, { upstream });
    await v1.register(accountRoutes, { upstream, publicUrl: config.publicUrl });
    await v1.register(eventReadRoutes, { upstream, pager: new Pager(deps.stateStore, config.publicUrl, EVENTS_PAGE_SIZE) });
    await v1.register(eventWriteRoutes, { upstream });
  });
  await app.register(docsRoutes);
  if (config.adminToken) await app.register(dashboardRoutes, { adminToken: config.adminToken, secureCookies });

  return app;
}
