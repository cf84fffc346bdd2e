// Starts a real calbroker on loopback, configured the way an operator would, against a fake Google.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Keyring } from '../../src/crypto/keyring.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime } from '../../src/runtime.js';
import type { FakeGoogle } from '../fake-google/index.js';
import { freshDatabase, freshRedisPrefix, REDIS_URL, tempDir } from './services.js';

export type Mode = 'services' | 'embedded';
export const MODES: Mode[] = ['services', 'embedded'];

export interface Broker {
  app: FastifyInstance;
  url: string;
  env: Record<string, string>;
}

interface TestContext {
  teardown(fn: () => unknown): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Environment for one broker: real PostgreSQL + Redis ('services'), or PGlite + in-process state ('embedded'). */
export async function brokerEnv(t: TestContext, mode: Mode, google: FakeGoogle | undefined, extra: Record<string, string> = {}) {
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    ...(google && {
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_ISSUER: google.issuer,
      GOOGLE_API_URL: google.apiUrl,
    }),
  };
  if (mode === 'services') {
    env.DATABASE_URL = await freshDatabase(t);
    env.REDIS_URL = REDIS_URL;
    env.REDIS_KEY_PREFIX = freshRedisPrefix(t);
    env.ENCRYPTION_KEYS = Keyring.generateSpec('test1');
  } else {
    env.DATA_DIR = await tempDir(t);
  }
  return { ...env, ...extra };
}

/** Builds and starts calbroker from an environment, closed when the test ends. */
export async function startBrokerWith(t: TestContext, env: Record<string, string>, logger?: Parameters<typeof buildApp>[0]['logger']): Promise<Broker> {
  const config = loadConfig(env);
  const runtime = await openRuntime(config, env);
  const app = await buildApp({ config, ...runtime, logger });
  await app.listen({ port: config.port, host: config.host });
  t.teardown(() => app.close());
  return { app, url: config.publicUrl, env };
}

export async function startBroker(t: TestContext, mode: Mode, google?: FakeGoogle, extra?: Record<string, string>): Promise<Broker> {
  return startBrokerWith(t, await brokerEnv(t, mode, google, extra));
}
