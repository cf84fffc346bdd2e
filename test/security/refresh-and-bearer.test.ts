// Attacks on refresh tokens (RFC 6749 6, RFC 9700 4.14) and on bearer access to /v1 (RFC 6750):
// foreign clients, scope widening, rotation and reuse detection, missing/garbage/expired/revoked
// tokens, tokens in URLs, token lifetime, and revocation seen by every instance at once.
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { accessTokens } from '../../src/storage/schema.js';
import { brokerEnv, freePort, startBrokerWith, type Broker } from '../helpers/broker.js';
import { pkcePair, seedApp, seedCode, seedPublicApp } from '../helpers/seed.js';
import { api, brokerWithGoogle, REDIRECT_URI, tokenRequest } from './support.js';

const ACCOUNT = '/v1/account'; // needs read_account and never calls the provider

async function confidential(t: Test, options: { rotateRefreshTokens?: boolean } = {}) {
  const { broker } = await brokerWithGoogle(t);
  const { clientId, clientSecret } = await seedApp(broker.app, 'Planner', options);
  const auth = { client_id: clientId, client_secret: clientSecret };
  const issued = await tokenRequest(broker, { ...auth, grant_type: 'authorization_code', code: await seedCode(broker.app, clientId), redirect_uri: REDIRECT_URI });
  if (issued.status !== 200) throw new Error(`redemption failed: ${issued.text}`);
  const refresh = (refreshToken: string, more: Record<string, string> = {}) => tokenRequest(broker, { ...auth, grant_type: 'refresh_token', refresh_token: refreshToken, ...more });
  return { broker, clientId, clientSecret, auth, issued: issued.json as Record<string, string> & { expires_in: number }, refresh };
}

t.test('a refresh token is bound to its client: another app gets invalid_grant', async (t) => {
  const { broker, issued, refresh } = await confidential(t);
  const other = await seedApp(broker.app, 'Other');
  const foreign = await tokenRequest(broker, { client_id: other.clientId, client_secret: other.clientSecret, grant_type: 'refresh_token', refresh_token: issued.refresh_token! });
  t.same([foreign.status, foreign.json.error], [400, 'invalid_grant']);
  t.notOk(foreign.json.access_token, 'nothing issued');
  t.equal((await refresh(issued.refresh_token!)).status, 200, 'the rightful client is unaffected');
});

t.test('a refresh cannot widen the scope (invalid_scope)', async (t) => {
  const { issued, refresh } = await confidential(t);
  t.equal(issued.scope, 'read_account list_calendars');
  for (const scope of ['read_account create_event', 'delete_event', 'read_account list_calendars read_events', 'read_account admin']) {
    const wider = await refresh(issued.refresh_token!, { scope });
    t.same([wider.status, wider.json.error], [400, 'invalid_scope'], scope);
    t.notOk(wider.json.access_token);
  }
  const narrower = await refresh(issued.refresh_token!, { scope: 'read_account' });
  t.same([narrower.status, narrower.json.scope], [200, 'read_account'], 'control: narrowing is allowed');
});

t.test('a confidential client keeps the same refresh token across refreshes by default', async (t) => {
  const { issued, refresh } = await confidential(t);
  const first = await refresh(issued.refresh_token!);
  const second = await refresh(issued.refresh_token!);
  t.equal(first.status, 200);
  t.equal(first.json.refresh_token, issued.refresh_token);
  t.equal(second.json.refresh_token, issued.refresh_token);
  t.not(first.json.access_token, second.json.access_token, 'a fresh access token each time');
});

t.test('a confidential client that opted into rotation gets a new refresh token each refresh', async (t) => {
  const { issued, refresh } = await confidential(t, { rotateRefreshTokens: true });
  const first = await refresh(issued.refresh_token!);
  t.equal(first.status, 200);
  const second = await refresh(first.json.refresh_token as string);
  t.equal(second.status, 200);
  const tokens = [issued.refresh_token, first.json.refresh_token, second.json.refresh_token];
  t.equal(new Set(tokens).size, 3, 'three distinct refresh tokens');
  const replay = await refresh(issued.refresh_token!);
  t.same([replay.status, replay.json.error], [400, 'invalid_grant'], 'a superseded one is refused');
});

t.test('a public client rotates, and a superseded refresh token revokes the whole family', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId } = await seedPublicApp(broker.app);
  const { verifier, challenge } = pkcePair();
  const code = await seedCode(broker.app, clientId, { codeChallenge: challenge });
  const issued = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier });
  t.equal(issued.status, 200);
  const refresh = (refreshToken: string) => tokenRequest(broker, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

  const first = await refresh(issued.json.refresh_token as string);
  t.equal(first.status, 200);
  t.not(first.json.refresh_token, issued.json.refresh_token, 'rotated on the first refresh');
  const second = await refresh(first.json.refresh_token as string);
  t.equal(second.status, 200);
  t.not(second.json.refresh_token, first.json.refresh_token, 'rotated on the second refresh');
  const accessTokensIssued = [issued.json.access_token, first.json.access_token, second.json.access_token] as string[];
  t.equal((await api(broker, ACCOUNT, second.json.access_token as string)).status, 200, 'control: the newest access token works');

  // An attacker replays the stolen, superseded refresh token.
  const reuse = await refresh(issued.json.refresh_token as string);
  t.same([reuse.status, reuse.json.error], [400, 'invalid_grant'], 'the superseded refresh token is refused');
  t.notOk(reuse.json.access_token);

  const newest = await refresh(second.json.refresh_token as string);
  t.same([newest.status, newest.json.error], [400, 'invalid_grant'], 'the newest refresh token died with its family');
  for (const [i, accessToken] of accessTokensIssued.entries()) {
    const response = await api(broker, ACCOUNT, accessToken);
    t.equal(response.status, 401, `access token ${i} of the family is revoked`);
    t.match(response.headers.get('www-authenticate'), /error="invalid_token"/);
  }
});

t.test('refresh and access tokens are not interchangeable', async (t) => {
  const { broker, issued, refresh } = await confidential(t);
  const asBearer = await api(broker, ACCOUNT, issued.refresh_token);
  t.equal(asBearer.status, 401, 'a refresh token is not an access token');
  t.match(asBearer.headers.get('www-authenticate'), /error="invalid_token"/);
  const asRefresh = await refresh(issued.access_token!);
  t.same([asRefresh.status, asRefresh.json.error], [400, 'invalid_grant'], 'an access token is not a refresh token');
});

t.test('bearer: no Authorization header gets 401 with a bare Bearer challenge and no error code', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  for (const path of [ACCOUNT, '/v1/calendars', '/v1/profiles', '/v1/events']) {
    const response = await api(broker, path, undefined);
    t.equal(response.status, 401, path);
    t.equal(response.headers.get('www-authenticate'), 'Bearer realm="calbroker"', `${path}: exactly the realm`);
    t.notMatch(response.headers.get('www-authenticate'), /error=/, `${path}: no error attribute`);
  }
});

t.test('bearer: a garbage token gets 401 invalid_token', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  for (const token of ['garbage', 'A'.repeat(43), 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.', "' or 1=1 --", '']) {
    const response = await api(broker, ACCOUNT, undefined, { authorization: `Bearer ${token}` });
    t.equal(response.status, 401, JSON.stringify(token));
    t.match(response.headers.get('www-authenticate'), /^Bearer realm="calbroker", error="invalid_token"/, JSON.stringify(token));
  }
  const wrongScheme = await api(broker, ACCOUNT, undefined, { authorization: 'Basic Zm9vOmJhcg==' });
  t.equal(wrongScheme.status, 401, 'a Basic header is not a bearer token');
  t.match(wrongScheme.headers.get('www-authenticate'), /error="invalid_token"/);
});

t.test('bearer: an expired access token gets 401 invalid_token', async (t) => {
  const { broker, issued } = await confidential(t);
  t.equal((await api(broker, ACCOUNT, issued.access_token)).status, 200, 'control: valid before expiry');
  await broker.app.db.update(accessTokens).set({ expiresAt: new Date(Date.now() - 1000) });
  const response = await api(broker, ACCOUNT, issued.access_token);
  t.equal(response.status, 401);
  t.match(response.headers.get('www-authenticate'), /error="invalid_token"/);
});

t.test('bearer: a revoked access token gets 401 invalid_token', async (t) => {
  const { broker, issued, auth, refresh } = await confidential(t);
  t.equal((await api(broker, ACCOUNT, issued.access_token)).status, 200, 'control');
  const revoke = await tokenRequest(broker, { ...auth, token: issued.access_token! }, { path: '/oauth/token/revoke' });
  t.equal(revoke.status, 200);
  const response = await api(broker, ACCOUNT, issued.access_token);
  t.equal(response.status, 401, 'revoking the access token ends it');
  t.match(response.headers.get('www-authenticate'), /error="invalid_token"/);

  const fresh = await refresh(issued.refresh_token!);
  t.equal((await api(broker, ACCOUNT, fresh.json.access_token as string)).status, 200, 'control: a fresh access token works');
  await tokenRequest(broker, { ...auth, token: issued.refresh_token! }, { path: '/oauth/token/revoke' });
  const afterGrant = await api(broker, ACCOUNT, fresh.json.access_token as string);
  t.equal(afterGrant.status, 401, 'revoking the refresh token ends its access tokens');
  t.match(afterGrant.headers.get('www-authenticate'), /error="invalid_token"/);
});

t.test('bearer: a token in both the header and ?access_token= is refused with 400', async (t) => {
  const { broker, issued } = await confidential(t);
  const response = await api(broker, `${ACCOUNT}?access_token=${issued.access_token}`, issued.access_token);
  t.equal(response.status, 400);
  t.match(response.headers.get('www-authenticate'), /error="invalid_request"/);
  t.notMatch(response.text, /acc_/, 'no account data');
});

t.test('bearer: a valid token in the query string alone is refused with 400', async (t) => {
  const { broker, issued } = await confidential(t);
  for (const path of [ACCOUNT, '/v1/calendars']) {
    const response = await api(broker, `${path}?access_token=${issued.access_token}`, undefined);
    t.equal(response.status, 400, path);
    t.match(response.headers.get('www-authenticate'), /error="invalid_request"/, path);
    t.notMatch(response.text, /acc_|calendars"/, `${path}: no data`);
  }
});

t.test('access tokens live at most 3600 s (expires_in and the stored expires_at)', async (t) => {
  const { broker, issued, refresh } = await confidential(t);
  const started = Date.now();
  const refreshed = await refresh(issued.refresh_token!);
  const finished = Date.now();
  for (const [label, body] of [['redeemed', issued], ['refreshed', refreshed.json]] as const) {
    const expiresIn = body.expires_in as number;
    t.ok(Number.isInteger(expiresIn) && expiresIn > 0 && expiresIn <= 3600, `${label}: expires_in ${expiresIn} within (0, 3600]`);
  }
  const rows = await broker.app.db.select({ expiresAt: accessTokens.expiresAt }).from(accessTokens);
  t.equal(rows.length, 2);
  for (const row of rows) t.ok(row.expiresAt.getTime() <= finished + 3600_000, `expires_at ${row.expiresAt.toISOString()} at most an hour out`);
  for (const row of rows) t.ok(row.expiresAt.getTime() > started, 'and in the future');
  const counted = (await broker.app.db.execute(sql`select count(*)::int as n from access_tokens where expires_at > now() + interval '3601 seconds'`)) as unknown;
  const n = ((Array.isArray(counted) ? counted : (counted as { rows: unknown[] }).rows)[0] as { n: number }).n;
  t.equal(n, 0, 'no stored access token outlives an hour (checked by the database clock too)');
});

t.test('revocation on one instance takes effect at once on another', async (t) => {
  const env = await brokerEnv(t, 'services', undefined);
  const a = await startBrokerWith(t, env);
  const bPort = await freePort();
  const bStarted = await startBrokerWith(t, { ...env, PORT: String(bPort) });
  const b: Broker = { ...bStarted, url: `http://127.0.0.1:${bPort}` };
  const { clientId, clientSecret } = await seedApp(a.app);
  const auth = { client_id: clientId, client_secret: clientSecret };
  const issued = await tokenRequest(b, { ...auth, grant_type: 'authorization_code', code: await seedCode(a.app, clientId), redirect_uri: REDIRECT_URI });
  t.equal(issued.status, 200, 'B redeems a code seeded through A');
  const accessToken = issued.json.access_token as string;
  t.equal((await api(a, ACCOUNT, accessToken)).status, 200, 'A serves the token');
  t.equal((await api(b, ACCOUNT, accessToken)).status, 200, 'B serves the token');

  const revoke = await tokenRequest(a, { ...auth, token: issued.json.refresh_token as string }, { path: '/oauth/token/revoke' });
  t.equal(revoke.status, 200, 'revoked on A');
  const onB = await api(b, ACCOUNT, accessToken);
  t.equal(onB.status, 401, 'B refuses the access token immediately');
  t.match(onB.headers.get('www-authenticate'), /error="invalid_token"/);
  const refreshOnB = await tokenRequest(b, { ...auth, grant_type: 'refresh_token', refresh_token: issued.json.refresh_token as string });
  t.same([refreshOnB.status, refreshOnB.json.error], [400, 'invalid_grant'], 'B refuses the refresh token immediately');
});
