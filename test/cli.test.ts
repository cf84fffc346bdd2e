// The operator CLI creates and lists apps in the same database the server uses.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { Keyring } from '../src/crypto/keyring.js';
import { freshDatabase } from './helpers/services.js';

const run = promisify(execFile);

async function apps(env: Record<string, string>, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/apps.ts', ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

t.test('apps create prints the registration JSON; apps list lists it', async (t) => {
  const env = { DATABASE_URL: await freshDatabase(t), ENCRYPTION_KEYS: Keyring.generateSpec('k') };
  const created = await apps(env, 'create', '--name', 'Planner', '--redirect-uri', 'https://a.example/cb', '--redirect-uri', 'http://localhost:9/cb');
  t.equal(created.code, 0, created.stderr);
  const app = JSON.parse(created.stdout);
  t.match(app, { client_id: /^app_/, client_secret: String, client_name: 'Planner', client_secret_expires_at: 0 });
  t.same(app.redirect_uris, ['https://a.example/cb', 'http://localhost:9/cb']);

  const listed = await apps(env, 'list');
  const list = JSON.parse(listed.stdout);
  t.equal(list.length, 1);
  t.match(list[0], { client_id: app.client_id, verified: false });
  t.notOk('client_secret' in list[0], 'list never shows secrets');
});

t.test('apps rotate-secret issues a new secret and keeps the previous one valid', async (t) => {
  const env = { DATABASE_URL: await freshDatabase(t), ENCRYPTION_KEYS: Keyring.generateSpec('k') };
  const app = JSON.parse((await apps(env, 'create', '--name', 'Planner', '--redirect-uri', 'https://a.example/cb')).stdout);
  const rotated = await apps(env, 'rotate-secret', '--client-id', app.client_id);
  t.equal(rotated.code, 0, rotated.stderr);
  const { client_id, client_secret } = JSON.parse(rotated.stdout);
  t.equal(client_id, app.client_id);
  t.not(client_secret, app.client_secret);
  const { openPostgres } = await import('../src/storage/database.js');
  const { findApp } = await import('../src/storage/apps.js');
  const { secretMatches } = await import('../src/crypto/tokens.js');
  const database = await openPostgres(env.DATABASE_URL);
  t.teardown(() => database.close());
  const row = (await findApp(database.db, app.client_id))!;
  t.ok(secretMatches(client_secret, row.secretHash!), 'the new secret is current');
  t.ok(secretMatches(app.client_secret, row.previousSecretHash!), 'the old one is still accepted as previous');
  const missing = await apps(env, 'rotate-secret', '--client-id', 'app_nope');
  t.equal(missing.code, 1);
  const publicApp = JSON.parse((await apps(env, 'create', '--name', 'Mobile', '--redirect-uri', 'https://m.example/cb', '--public')).stdout);
  t.equal(publicApp.token_endpoint_auth_method, 'none');
  t.notOk('client_secret' in publicApp, 'public clients get no secret');
});

t.test('apps create refuses bad input with a clear message', async (t) => {
  const env = { DATABASE_URL: await freshDatabase(t), ENCRYPTION_KEYS: Keyring.generateSpec('k') };
  const bad = await apps(env, 'create', '--name', 'x', '--redirect-uri', 'http://evil.example.com/cb');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /invalid_redirect_uri: .*must use https/);
  const usage = await apps(env, 'frobnicate');
  t.equal(usage.code, 2);
  t.match(usage.stderr, /Usage:/);
});

t.test('keys reencrypt moves every credential under the primary key; keys generate prints a usable key', async (t) => {
  const { openPostgres } = await import('../src/storage/database.js');
  const { saveConnection } = await import('../src/storage/connections.js');
  const { loadTokens } = await import('../src/storage/credentials.js');
  const { upstreamCredentials } = await import('../src/storage/schema.js');
  const url = await freshDatabase(t);
  const oldKey = Keyring.generateSpec('old');
  const database = await openPostgres(url);
  t.teardown(() => database.close());
  const tokens = { accessToken: 'ya29.a', refreshToken: '1//r', scope: 'openid' };
  for (const subject of ['a', 'b']) {
    await saveConnection(database.db, Keyring.parse(oldKey), { providerName: 'google', identity: { subject, profileName: subject }, tokens });
  }

  const generated = await run(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'generate']);
  const newKey = generated.stdout.trim();
  t.match(newKey, /^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=$/);
  const both = `${newKey},${oldKey}`;
  const result = await run(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'reencrypt'], { env: { ...process.env, DATABASE_URL: url, ENCRYPTION_KEYS: both } });
  t.match(result.stdout, /re-encrypted 2 credential/);
  const rows = await database.db.select().from(upstreamCredentials);
  t.same(rows.map((r) => r.keyId), [newKey.split(':')[0], newKey.split(':')[0]]);
  const newOnly = Keyring.parse(newKey);
  for (const row of rows) t.equal((await loadTokens(database.db, newOnly, row.profileId))?.refreshToken, '1//r', 'readable with the new key alone');
});
