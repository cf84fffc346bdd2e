// Attacks on client authentication at the token endpoints (RFC 6749 2.3.1, 5.2): secrets at rest,
// client enumeration, mixed or misplaced credentials, secrets in URLs, and secret rotation.
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { rotateSecret } from '../../src/storage/apps.js';
import type { Broker } from '../helpers/broker.js';
import { registerClient } from '../helpers/flow.js';
import { seedApp, seedCode } from '../helpers/seed.js';
import { basic, brokerWithGoogle, REDIRECT_URI, tokenRequest, type TokenResult } from './support.js';

async function rows(broker: Broker, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const result = (await broker.app.db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
}

/** Everything about a response a client could compare, except the Date header. */
function observable(response: TokenResult) {
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  return { status: response.status, body: response.text, headers };
}

async function setup(t: Test) {
  const { broker } = await brokerWithGoogle(t);
  const { clientId, clientSecret } = await seedApp(broker.app);
  const redeem = async (secret: string, more: Record<string, string> = {}) =>
    tokenRequest(broker, {
      grant_type: 'authorization_code',
      code: await seedCode(broker.app, clientId),
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      client_secret: secret,
      ...more,
    });
  return { broker, clientId, clientSecret, redeem };
}

t.test('the stored apps row holds only a hash of the client secret, and the secret carries >= 128 bits', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const secret = client.client_secret;
  t.match(secret, /^[A-Za-z0-9_-]+$/, 'base64url');
  t.ok(secret.length >= 22, `at least 22 base64url characters, i.e. 128 bits (got ${secret.length})`);
  const [row] = await rows(broker, sql`select * from apps where id = ${client.client_id}`);
  t.ok(row, 'the app row exists');
  for (const [column, value] of Object.entries(row ?? {})) {
    const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
    t.not(text, secret, `${column} is not the secret`);
    t.notOk(String(text).includes(secret), `${column} does not contain the secret`);
  }
  t.ok(row?.secret_hash, 'a secret hash is stored');
  const everywhere = await rows(broker, sql`select count(*)::int as n from apps where position(${secret} in apps::text) > 0`);
  t.equal(everywhere[0]?.n, 0, 'no apps row contains the secret in any column');
});

t.test('unknown client and wrong secret give identical status, body and headers (client_secret_post)', async (t) => {
  const { broker, clientId } = await setup(t);
  const fields = { grant_type: 'authorization_code', code: 'whatever', redirect_uri: REDIRECT_URI };
  const wrong = await tokenRequest(broker, { ...fields, client_id: clientId, client_secret: 'wrong-secret-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx' });
  const unknown = await tokenRequest(broker, { ...fields, client_id: 'app_doesnotexistatall000000', client_secret: 'wrong-secret-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx' });
  t.same([wrong.status, wrong.json.error], [401, 'invalid_client']);
  t.same(observable(unknown), observable(wrong), 'indistinguishable');
});

t.test('unknown client and wrong secret give identical status, body and headers (client_secret_basic)', async (t) => {
  const { broker, clientId } = await setup(t);
  const fields = { grant_type: 'authorization_code', code: 'whatever', redirect_uri: REDIRECT_URI };
  const wrong = await tokenRequest(broker, fields, { headers: { authorization: basic(clientId, 'wrong-secret') } });
  const unknown = await tokenRequest(broker, fields, { headers: { authorization: basic('app_doesnotexistatall000000', 'wrong-secret') } });
  t.same([wrong.status, wrong.json.error], [401, 'invalid_client']);
  t.same(observable(unknown), observable(wrong), 'indistinguishable');
});

t.test('a wrong secret over Basic gets 401 invalid_client with WWW-Authenticate: Basic', async (t) => {
  const { broker, clientId } = await setup(t);
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI }, { headers: { authorization: basic(clientId, 'wrong') } });
  t.equal(response.status, 401);
  t.equal(response.json.error, 'invalid_client');
  t.match(response.headers.get('www-authenticate'), /^Basic( |$)/, 'a Basic challenge');
  t.equal(response.headers.get('cache-control'), 'no-store');
});

t.test("another app's valid secret does not authenticate this client", async (t) => {
  const { broker, redeem } = await setup(t);
  const other = await seedApp(broker.app, 'Other');
  const response = await redeem(other.clientSecret);
  t.same([response.status, response.json.error], [401, 'invalid_client']);
});

t.test('a confidential client cannot skip its secret by sending client_id alone', async (t) => {
  const { broker, clientId } = await setup(t);
  const code = await seedCode(broker.app, clientId);
  const none = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId });
  t.same([none.status, none.json.error], [401, 'invalid_client'], 'no secret');
  const empty = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: '' });
  t.same([empty.status, empty.json.error], [401, 'invalid_client'], 'an empty secret');
});

t.test('credentials both in Basic and in the body are refused with invalid_request, even when both are right', async (t) => {
  const { broker, clientId, clientSecret } = await setup(t);
  const code = await seedCode(broker.app, clientId);
  const fields = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
  const both = await tokenRequest(broker, { ...fields, client_id: clientId, client_secret: clientSecret }, { headers: { authorization: basic(clientId, clientSecret) } });
  t.same([both.status, both.json.error], [400, 'invalid_request']);
  t.notOk(both.json.access_token);
  const ok = await tokenRequest(broker, fields, { headers: { authorization: basic(clientId, clientSecret) } });
  t.equal(ok.status, 200, 'the refused request did not consume the code');
});

t.test('a body client_id that differs from the Basic one is refused with invalid_request', async (t) => {
  const { broker, clientId, clientSecret } = await setup(t);
  const other = await seedApp(broker.app, 'Other');
  const code = await seedCode(broker.app, other.clientId);
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: other.clientId }, { headers: { authorization: basic(clientId, clientSecret) } });
  t.same([response.status, response.json.error], [400, 'invalid_request']);
  t.notOk(response.json.access_token);
});

t.test('client_secret in the query string is refused with invalid_request, even when correct', async (t) => {
  const { broker, clientId, clientSecret } = await setup(t);
  const code = await seedCode(broker.app, clientId);
  const fields = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId };
  const query = `?client_secret=${encodeURIComponent(clientSecret)}`;
  const onlyQuery = await tokenRequest(broker, fields, { query });
  t.same([onlyQuery.status, onlyQuery.json.error], [400, 'invalid_request'], 'secret only in the query');
  const alsoBody = await tokenRequest(broker, { ...fields, client_secret: clientSecret }, { query });
  t.same([alsoBody.status, alsoBody.json.error], [400, 'invalid_request'], 'secret in the query and the body');
  const withBasic = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, { query, headers: { authorization: basic(clientId, clientSecret) } });
  t.same([withBasic.status, withBasic.json.error], [400, 'invalid_request'], 'secret in the query and Basic');
  const revoke = await tokenRequest(broker, { client_id: clientId, token: 'x' }, { path: '/oauth/token/revoke', query });
  t.same([revoke.status, revoke.json.error], [400, 'invalid_request'], 'the revocation endpoint refuses it too');
  const ok = await tokenRequest(broker, { ...fields, client_secret: clientSecret });
  t.equal(ok.status, 200, 'the refused requests did not consume the code');
});

t.test('a wrong secret at the revocation endpoint is 401 and revokes nothing', async (t) => {
  const { broker, clientId, clientSecret, redeem } = await setup(t);
  const issued = await redeem(clientSecret);
  t.equal(issued.status, 200);
  const refreshToken = issued.json.refresh_token as string;
  const revoke = await tokenRequest(broker, { client_id: clientId, client_secret: 'wrong', token: refreshToken }, { path: '/oauth/token/revoke' });
  t.same([revoke.status, revoke.json.error], [401, 'invalid_client']);
  const refresh = await tokenRequest(broker, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret });
  t.equal(refresh.status, 200, 'the refresh token still works');
});

t.test('after a rotation both the new and the previous secret authenticate', async (t) => {
  const { broker, clientId, clientSecret, redeem } = await setup(t);
  const rotated = await rotateSecret(broker.app.db, clientId);
  const newSecret = rotated!.clientSecret;
  t.not(newSecret, clientSecret);
  t.match(newSecret, /^[A-Za-z0-9_-]{22,}$/);
  t.equal((await redeem(newSecret)).status, 200, 'the new secret');
  t.equal((await redeem(clientSecret)).status, 200, 'the previous secret');
  const viaBasic = await tokenRequest(broker, { grant_type: 'authorization_code', code: await seedCode(broker.app, clientId), redirect_uri: REDIRECT_URI }, { headers: { authorization: basic(clientId, clientSecret) } });
  t.equal(viaBasic.status, 200, 'the previous secret over Basic');
  t.same([(await redeem('wrong')).status], [401], 'a wrong secret still fails');
});

t.test('after a second rotation the oldest secret no longer authenticates', async (t) => {
  const { broker, clientId, clientSecret: oldest, redeem } = await setup(t);
  const middle = (await rotateSecret(broker.app.db, clientId))!.clientSecret;
  const newest = (await rotateSecret(broker.app.db, clientId))!.clientSecret;
  const refused = await redeem(oldest);
  t.same([refused.status, refused.json.error], [401, 'invalid_client'], 'the oldest secret is refused');
  const viaBasic = await tokenRequest(broker, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI }, { headers: { authorization: basic(clientId, oldest) } });
  t.same([viaBasic.status, viaBasic.json.error], [401, 'invalid_client'], 'over Basic too');
  t.equal((await redeem(middle)).status, 200, 'the previous secret still works');
  t.equal((await redeem(newest)).status, 200, 'the newest secret works');
});
