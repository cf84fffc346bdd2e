// Attacks on secrets at rest: a database or Redis dump must hold no usable upstream token and no
// redeemable calbroker secret; ciphertexts are bound to their row; encryption keys rotate.
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import t, { type Test } from 'tap';
import { Keyring } from '../../src/crypto/keyring.js';
import { loadTokens } from '../../src/storage/credentials.js';
import { upstreamCredentials } from '../../src/storage/schema.js';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/index.js';
import { TestBrowser } from '../helpers/browser.js';
import { brokerEnv, freePort, startBrokerWith, type Broker } from '../helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient, type RegisteredClient } from '../helpers/flow.js';
import { REDIS_URL } from '../helpers/services.js';

const REDIRECT_URI = 'https://app.example.com/cb';
const UPSTREAM_TOKEN = /ya29\.|1\/\//;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

interface TokenBody {
  access_token: string;
  refresh_token: string;
  scope: string;
  linking_profile: { profile_id: string };
}

async function startGoogle(t: Test): Promise<FakeGoogle> {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 'sub-ada', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true }] });
  google.addUser({ sub: 'sub-bob', email: 'bob@example.com', name: 'Bob', calendars: [{ id: 'bob@example.com', summary: 'Bob', accessRole: 'owner', primary: true }] });
  return google;
}

async function setup(t: Test, extra?: Record<string, string>) {
  const google = await startGoogle(t);
  const env = await brokerEnv(t, 'services', google, extra);
  const broker = await startBrokerWith(t, env);
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  return { google, broker, client, env };
}

/** Connects a Google user through the hosted flow and redeems the code; returns the code and tokens. */
async function connect(broker: Broker, client: RegisteredClient, google: FakeGoogle, sub = 'sub-ada') {
  google.queueConsent({ sub });
  const url = authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1' });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url, REDIRECT_URI);
  const code = redirectParams(final).get('code');
  if (!code) throw new Error(`no code: ${final.location}`);
  const response = await fetch(`${broker.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: client.client_id, client_secret: client.client_secret }),
  });
  if (response.status !== 200) throw new Error(`redeem failed: ${response.status} ${await response.text()}`);
  return { code, token: (await response.json()) as TokenBody };
}

const calendars = (base: string, accessToken: string) => fetch(`${base}/v1/calendars`, { headers: { authorization: `Bearer ${accessToken}` } });

/** Every row of every table (all schemas but the system ones), each as JSON text: what a dump would hold. */
async function dumpDatabase(databaseUrl: string): Promise<Array<{ table: string; row: string }>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<Array<{ schema: string; name: string }>>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`;
    const out: Array<{ table: string; row: string }> = [];
    for (const { schema, name } of tables) {
      const rows = await sql.unsafe<Array<{ j: string }>>(`select row_to_json(t)::text as j from "${schema}"."${name}" t`);
      for (const { j } of rows) out.push({ table: `${schema}.${name}`, row: j });
    }
    return out;
  } finally {
    await sql.end();
  }
}

/** Every key under the broker's prefix with its value (strings, hashes, lists, sets), as text. */
async function dumpRedis(prefix: string): Promise<Array<{ key: string; value: string }>> {
  const redis = new Redis(REDIS_URL);
  try {
    const out: Array<{ key: string; value: string }> = [];
    for (const key of await redis.keys(`${prefix}*`)) {
      const type = await redis.type(key);
      let value = '';
      if (type === 'string') value = (await redis.get(key)) ?? '';
      else if (type === 'hash') value = JSON.stringify(await redis.hgetall(key));
      else if (type === 'list') value = JSON.stringify(await redis.lrange(key, 0, -1));
      else if (type === 'set') value = JSON.stringify(await redis.smembers(key));
      else if (type === 'zset') value = JSON.stringify(await redis.zrange(key, '0', '-1'));
      out.push({ key, value });
    }
    return out;
  } finally {
    await redis.quit();
  }
}

/** Google access tokens calbroker presented upstream (the fake records request headers). */
function upstreamAccessTokens(google: FakeGoogle): string[] {
  const tokens = new Set<string>();
  for (const request of google.requests) {
    const match = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''));
    if (match) tokens.add(match[1]!);
  }
  return [...tokens];
}

function assertAbsent(t: Test, haystack: Array<{ where: string; text: string }>, secrets: Record<string, string>) {
  for (const [name, secret] of Object.entries(secrets)) {
    const found = haystack.filter((h) => h.text.includes(secret)).map((h) => h.where);
    t.same(found, [], `${name} appears nowhere`);
  }
}

// --- Upstream tokens are encrypted ------------------------------------------------------------

t.test('database dump after a full flow and a refresh: no Google access or refresh token in any column of any table', async (t) => {
  const { google, broker, client, env } = await setup(t);
  const { token } = await connect(broker, client, google);
  t.equal((await calendars(broker.url, token.access_token)).status, 200);
  google.expireAccessTokens();
  t.equal((await calendars(broker.url, token.access_token)).status, 200, 'after a forced upstream refresh');
  t.equal(google.counts.token_refresh, 1);

  const stored = await loadTokens(broker.app.db, broker.app.keyring, token.linking_profile.profile_id);
  t.match(stored, { accessToken: /^ya29\./, refreshToken: /^1\/\// }, 'the broker holds real Google tokens');
  const accessTokens = upstreamAccessTokens(google);
  t.ok(accessTokens.length >= 2, `${accessTokens.length} Google access tokens seen upstream`);

  const dump = await dumpDatabase(env.DATABASE_URL!);
  const tables = new Set(dump.map((d) => d.table));
  for (const table of ['public.upstream_credentials', 'public.profiles', 'public.accounts', 'public.grants', 'public.access_tokens', 'public.apps']) {
    t.ok(tables.has(table), `dump reads ${table}`);
  }
  t.ok(dump.some((d) => d.row.includes('ada@example.com')), 'the dump does read text content');
  const haystack = dump.map((d) => ({ where: d.table, text: d.row }));
  t.same(dump.filter((d) => UPSTREAM_TOKEN.test(d.row)).map((d) => d.table), [], 'nothing that looks like ya29. or 1// anywhere');
  assertAbsent(t, haystack, {
    'stored refresh token': stored!.refreshToken!,
    'stored access token': stored!.accessToken,
    ...Object.fromEntries(accessTokens.map((a, i) => [`access token ${i + 1} sent to Google`, a])),
    'Google client secret': google.clientSecret,
  });
  const [row] = await broker.app.db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, token.linking_profile.profile_id));
  t.equal(row!.keyId, 'test1', 'encrypted under the configured key');
  t.match(row!.ciphertext, /^[A-Za-z0-9_-]{60,}$/, 'an opaque ciphertext');
});

t.test('Redis dump during and after a flow: no Google access or refresh token in any key or value', async (t) => {
  const { google, broker, client } = await setup(t);
  const { token } = await connect(broker, client, google);
  google.expireAccessTokens();
  t.equal((await calendars(broker.url, token.access_token)).status, 200);
  const stored = await loadTokens(broker.app.db, broker.app.keyring, token.linking_profile.profile_id);
  const dump = await dumpRedis(broker.env.REDIS_KEY_PREFIX!);
  t.ok(dump.length > 0, `${dump.length} keys dumped`);
  const haystack = dump.flatMap((d) => [{ where: d.key, text: d.key }, { where: d.key, text: d.value }]);
  t.same(haystack.filter((h) => UPSTREAM_TOKEN.test(h.text)).map((h) => h.where), [], 'nothing that looks like ya29. or 1//');
  assertAbsent(t, haystack, { 'refresh token': stored!.refreshToken!, 'access token': stored!.accessToken });
});

// --- Ciphertexts are bound to their row --------------------------------------------------------

t.test("ciphertext moved onto another profile's row: it does not decrypt there", async (t) => {
  const { google, broker, client } = await setup(t);
  const ada = await connect(broker, client, google, 'sub-ada');
  const bob = await connect(broker, client, google, 'sub-bob');
  const adaProfile = ada.token.linking_profile.profile_id;
  const bobProfile = bob.token.linking_profile.profile_id;
  t.not(adaProfile, bobProfile, 'two profiles');
  const adaTokens = await loadTokens(broker.app.db, broker.app.keyring, adaProfile);

  const [adaRow] = await broker.app.db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, adaProfile));
  await broker.app.db
    .update(upstreamCredentials)
    .set({ keyId: adaRow!.keyId, ciphertext: adaRow!.ciphertext })
    .where(eq(upstreamCredentials.profileId, bobProfile));

  await t.rejects(loadTokens(broker.app.db, broker.app.keyring, bobProfile), 'loadTokens rejects the transplanted ciphertext');
  t.same(await loadTokens(broker.app.db, broker.app.keyring, adaProfile), adaTokens, "Ada's own row still decrypts");

  // Bob's bearer token must not turn into access to Ada's Google account.
  const adaCalls = () => google.requests.filter((r) => r.path.startsWith('/calendar/') && r.headers.authorization === `Bearer ${adaTokens!.accessToken}`).length;
  const before = adaCalls();
  const response = await calendars(broker.url, bob.token.access_token);
  const body = await response.text();
  t.not(response.status, 200, `Bob's call fails (${response.status})`);
  t.notMatch(body, /ada@example\.com/, "no trace of Ada's calendars");
  t.equal(adaCalls(), before, "Ada's Google token was never used for Bob");
});

t.test('ciphertext altered in place (one character): it does not decrypt', async (t) => {
  const { google, broker, client } = await setup(t);
  const { token } = await connect(broker, client, google);
  const profileId = token.linking_profile.profile_id;
  const [row] = await broker.app.db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, profileId));
  const ciphertext = row!.ciphertext;
  for (const index of [2, 20, ciphertext.length - 3]) {
    const c = ciphertext[index]!;
    const altered = ciphertext.slice(0, index) + (c === 'A' ? 'B' : 'A') + ciphertext.slice(index + 1);
    await broker.app.db.update(upstreamCredentials).set({ ciphertext: altered }).where(eq(upstreamCredentials.profileId, profileId));
    await t.rejects(loadTokens(broker.app.db, broker.app.keyring, profileId), `character ${index} altered: rejected`);
  }
  await broker.app.db.update(upstreamCredentials).set({ keyId: 'unknown', ciphertext }).where(eq(upstreamCredentials.profileId, profileId));
  await t.rejects(loadTokens(broker.app.db, broker.app.keyring, profileId), 'an unknown key id: rejected');
});

// --- Key rotation -------------------------------------------------------------------------------

/** A broker under `old`, with Ada connected, and a second instance on the same data under "new,old". */
async function rotated(t: Test) {
  const google = await startGoogle(t);
  const oldSpec = Keyring.generateSpec('old');
  const newSpec = Keyring.generateSpec('new');
  const env = await brokerEnv(t, 'services', google, { ENCRYPTION_KEYS: oldSpec });
  const before = await startBrokerWith(t, env);
  const client = await registerClient(before.url, [REDIRECT_URI]);
  const { token } = await connect(before, client, google);
  const profileId = token.linking_profile.profile_id;
  const row = async () => (await before.app.db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, profileId)))[0]!;
  const port = await freePort();
  const after = await startBrokerWith(t, { ...env, PORT: String(port), ENCRYPTION_KEYS: `${newSpec},${oldSpec}` });
  return { google, before, after, afterUrl: `http://127.0.0.1:${port}`, token, profileId, row, oldSpec, newSpec };
}

t.test('key rotation: data written under the old key still decrypts once a new key is primary', async (t) => {
  const { google, before, after, afterUrl, token, profileId, row } = await rotated(t);
  t.equal((await row()).keyId, 'old', 'written under old');
  const original = await loadTokens(before.app.db, before.app.keyring, profileId);
  t.same(await loadTokens(after.app.db, after.app.keyring, profileId), original, 'the new-primary keyring decrypts it');

  const response = await calendars(afterUrl, token.access_token);
  t.equal(response.status, 200, '/v1/calendars works on the rotated instance');
  t.equal(google.counts.token_refresh, 0, 'with the stored access token, no refresh needed');
  const used = google.requests.filter((r) => r.path === '/calendar/v3/users/me/calendarList').at(-1);
  t.equal(used?.headers.authorization, `Bearer ${original!.accessToken}`, 'the decrypted access token was used');
});

t.test('key rotation: the next write (an upstream token refresh) re-encrypts under the new key', async (t) => {
  const { google, after, afterUrl, token, profileId, row, oldSpec, newSpec } = await rotated(t);
  const original = await loadTokens(after.app.db, after.app.keyring, profileId);
  google.expireAccessTokens();
  const response = await calendars(afterUrl, token.access_token);
  t.equal(response.status, 200);
  t.equal(google.counts.token_refresh, 1, 'refreshed upstream');
  const rewritten = await row();
  t.equal(rewritten.keyId, 'new', 'key_id is now new');
  const newOnly = await loadTokens(after.app.db, Keyring.parse(newSpec), profileId);
  t.equal(newOnly?.refreshToken, original?.refreshToken, 'the new key alone decrypts it, refresh token kept');
  t.not(newOnly?.accessToken, original?.accessToken, 'with the fresh access token');
  await t.rejects(loadTokens(after.app.db, Keyring.parse(oldSpec), profileId), 'the old key alone no longer does');
});

// --- calbroker's own secrets are stored only as hashes ---------------------------------------

t.test('database and Redis dumps: client secret, code, refresh and access tokens are stored only as SHA-256 hashes', async (t) => {
  const { google, broker, client, env } = await setup(t);
  const { code, token } = await connect(broker, client, google);
  const refresh = await fetch(`${broker.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: client.client_id, client_secret: client.client_secret }),
  });
  t.equal(refresh.status, 200);
  const refreshed = (await refresh.json()) as TokenBody;
  t.not(refreshed.access_token, token.access_token, 'a second access token');

  const secrets = {
    client_secret: client.client_secret,
    code,
    refresh_token: token.refresh_token,
    access_token: token.access_token,
    refreshed_access_token: refreshed.access_token,
  };
  const db = await dumpDatabase(env.DATABASE_URL!);
  assertAbsent(t, db.map((d) => ({ where: `db ${d.table}`, text: d.row })), secrets);
  const redis = await dumpRedis(broker.env.REDIS_KEY_PREFIX!);
  assertAbsent(t, redis.flatMap((d) => [{ where: `redis key ${d.key}`, text: d.key }, { where: `redis value ${d.key}`, text: d.value }]), secrets);

  const sql = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  t.teardown(() => sql.end());
  const [app] = await sql<Array<{ secret_hash: string }>>`select secret_hash from apps where id = ${client.client_id}`;
  t.equal(app?.secret_hash, sha256(client.client_secret), 'apps.secret_hash is the SHA-256 of the secret');
  const grants = await sql<Array<{ refresh_token_hash: string }>>`select refresh_token_hash from grants`;
  t.same(grants.map((g) => g.refresh_token_hash), [sha256(token.refresh_token)], 'grants hold the SHA-256 of the refresh token');
  const accessRows = await sql<Array<{ token_hash: string }>>`select token_hash from access_tokens`;
  t.same(accessRows.map((a) => a.token_hash).sort(), [sha256(token.access_token), sha256(refreshed.access_token)].sort(), 'access_tokens hold SHA-256 hashes');
});

t.test('Redis dump while a code awaits redemption: the code is not in any key or value', async (t) => {
  const { broker, client } = await setup(t);
  const url = authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1' });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url, REDIRECT_URI);
  const code = redirectParams(final).get('code')!;
  const dump = await dumpRedis(broker.env.REDIS_KEY_PREFIX!);
  t.equal(dump.filter((d) => d.key.startsWith(`${broker.env.REDIS_KEY_PREFIX}code:`)).length, 1, 'one code stored');
  assertAbsent(t, dump.flatMap((d) => [{ where: `key ${d.key}`, text: d.key }, { where: `value ${d.key}`, text: d.value }]), { code });
  t.ok(dump.some((d) => d.key === `${broker.env.REDIS_KEY_PREFIX}code:${sha256(code)}`), 'keyed by its SHA-256');
  t.same(dump.filter((d) => UPSTREAM_TOKEN.test(d.value)).map((d) => d.key), [], 'no upstream token either');
});
