// Configuration is validated at start, and each message names the bad variable.
import t from 'tap';
import { loadConfig } from '../src/config.js';
import { Keyring } from '../src/crypto/keyring.js';
import { loadProviders } from '../providers/index.js';

t.test('defaults run embedded on port 3000', async (t) => {
  const config = loadConfig({});
  t.match(config, { port: 3000, publicUrl: 'http://localhost:3000', databaseUrl: undefined, redisUrl: undefined, logLevel: 'info' });
});

t.test('bad values are named', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /PORT must be a TCP port/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL must be an absolute URL/],
    [{ PUBLIC_URL: 'http://calbroker.example.com' }, /PUBLIC_URL must be https unless it is a loopback/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use postgres/],
    [{ DATABASE_URL: 'postgres://x/db' }, /ENCRYPTION_KEYS is required when DATABASE_URL is set/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL must use redis/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ];
  for (const [env, message] of cases) t.throws(() => loadConfig(env), message, Object.keys(env).join());
  t.throws(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' }), /PORT[\s\S]*LOG_LEVEL/, 'every problem is reported at once');
});

t.test('PUBLIC_URL is normalised without a trailing slash', async (t) => {
  t.equal(loadConfig({ PUBLIC_URL: 'https://cal.example.com/' }).publicUrl, 'https://cal.example.com');
});

t.test('ENCRYPTION_KEYS parsing', async (t) => {
  t.throws(() => Keyring.parse('nocolon'), /keyid:base64/);
  t.throws(() => Keyring.parse(`k1:${Buffer.alloc(16).toString('base64')}`), /must be 32 bytes/);
  t.throws(() => Keyring.parse(`k1:${Buffer.alloc(32).toString('base64')},k1:${Buffer.alloc(32).toString('base64')}`), /appears twice/);
  const ring = Keyring.parse(`${Keyring.generateSpec('a')},${Keyring.generateSpec('b')}`);
  t.equal(ring.primaryKeyId, 'a', 'the first key encrypts');
});

const CONTEXT = { publicUrl: 'http://localhost:3000', fetch: globalThis.fetch, embedded: false, selfUrl: 'http://127.0.0.1:3000', deriveSecret: () => 'x'.repeat(43) };

t.test('provider settings: enabled with id and secret, validated, http only on loopback', async (t) => {
  t.equal(loadProviders({}, CONTEXT).size, 0, 'no provider without settings');
  t.same([...loadProviders({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's' }, CONTEXT).keys()], ['google']);
  t.throws(() => loadProviders({ GOOGLE_CLIENT_ID: 'id' }, CONTEXT), /GOOGLE_CLIENT_SECRET is required/);
  t.throws(() => loadProviders({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's', GOOGLE_ISSUER: 'http://accounts.example.com' }, CONTEXT), /GOOGLE_ISSUER must use https/);
  t.throws(() => loadProviders({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's', GOOGLE_API_URL: 'ftp://x' }, CONTEXT), /GOOGLE_API_URL must use https/);
  t.equal(loadProviders({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's', GOOGLE_ISSUER: 'http://127.0.0.1:9000' }, CONTEXT).size, 1, 'loopback http allowed');
});
