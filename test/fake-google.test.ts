import { createHash, randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { startFakeGoogle, type FakeGoogle, type FakeUser } from './fake-google/index.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const CAL_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';

const alice: FakeUser = {
  sub: '110000000000000000001',
  email: 'alice@example.com',
  name: 'Alice Liddell',
  calendars: [
    { id: 'alice@example.com', summary: 'alice@example.com', accessRole: 'owner', primary: true, timeZone: 'Europe/London' },
    { id: 'team@group.calendar.google.com', summary: 'Team', accessRole: 'writer', summaryOverride: 'My team' },
    { id: 'holidays@group.v.calendar.google.com', summary: 'Holidays', accessRole: 'reader' },
    { id: 'gone@group.calendar.google.com', summary: 'Gone', accessRole: 'owner', deleted: true },
    { id: 'bob@example.com', summary: 'Bob', accessRole: 'freeBusyReader' },
    { id: 'room@resource.calendar.google.com', summary: 'Room', accessRole: 'reader' },
  ],
};

async function setup(t: Test): Promise<FakeGoogle> {
  const fake = await startFakeGoogle();
  t.teardown(() => fake.close());
  fake.addUser(structuredClone(alice));
  return fake;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Runs the authorize step and returns the callback URL (or the raw response if it is not a redirect). */
async function authorize(fake: FakeGoogle, params: Record<string, string> = {}) {
  const url = new URL(`${fake.issuer}/o/oauth2/v2/auth`);
  const all = { client_id: fake.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: `openid email profile ${CAL_SCOPE}`, state: 'st-1', ...params };
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { res, callback: location ? new URL(location) : undefined };
}

async function token(fake: FakeGoogle, params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Full code flow with PKCE S256; returns the token response body. */
async function login(fake: FakeGoogle, authParams: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(fake, { code_challenge: challenge, code_challenge_method: 'S256', ...authParams });
  const code = callback?.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  const res = await token(fake, {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier,
    client_id: fake.clientId, client_secret: fake.clientSecret,
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(res.body)}`);
  return res.body as { access_token: string; refresh_token?: string; id_token?: string; scope: string };
}

const api = (fake: FakeGoogle, path: string, accessToken?: string) =>
  fetch(`${fake.apiUrl}/calendar/v3${path}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });

t.test('discovery and JWKS', async (t) => {
  const fake = await setup(t);
  t.match(fake.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const meta = (await (await fetch(`${fake.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  t.match(meta, {
    issuer: fake.issuer,
    authorization_endpoint: `${fake.issuer}/o/oauth2/v2/auth`,
    token_endpoint: `${fake.issuer}/token`,
    userinfo_endpoint: `${fake.issuer}/v1/userinfo`,
    revocation_endpoint: `${fake.issuer}/revoke`,
    jwks_uri: `${fake.issuer}/oauth2/v3/certs`,
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['plain', 'S256'],
  });
  const jwks = (await (await fetch(`${fake.issuer}/oauth2/v3/certs`)).json()) as { keys: Array<Record<string, string>> };
  t.equal(jwks.keys.length, 1);
  t.match(jwks.keys[0], { kty: 'RSA', alg: 'RS256', use: 'sig', kid: String, n: String, e: 'AQAB' });
  t.notOk(jwks.keys[0]?.d, 'no private material');
});

t.test('authorize redirects with code, state and Google-style scopes', async (t) => {
  const fake = await setup(t);
  const { res, callback } = await authorize(fake, { nonce: 'n-1', access_type: 'offline', prompt: 'consent' });
  t.equal(res.status, 302);
  t.equal(callback?.origin + (callback?.pathname ?? ''), REDIRECT);
  t.equal(callback?.searchParams.get('state'), 'st-1');
  t.match(callback?.searchParams.get('code'), /^4\/0/);
  t.equal(
    callback?.searchParams.get('scope'),
    `openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile ${CAL_SCOPE}`,
  );
  t.match(fake.requests.at(-1), { method: 'GET', path: '/o/oauth2/v2/auth', query: { nonce: 'n-1', access_type: 'offline' } });

  fake.queueConsent({ deny: true });
  const denied = await authorize(fake);
  t.equal(denied.callback?.searchParams.get('error'), 'access_denied');
  t.equal(denied.callback?.searchParams.get('state'), 'st-1');
  t.notOk(denied.callback?.searchParams.has('code'));

  fake.queueConsent({ grantedScopes: ['openid', 'https://www.googleapis.com/auth/userinfo.email'] });
  const partial = await authorize(fake);
  t.equal(partial.callback?.searchParams.get('scope'), 'openid https://www.googleapis.com/auth/userinfo.email');

  const badClient = await authorize(fake, { client_id: 'nope' });
  t.equal(badClient.res.status, 400);
  t.match(await badClient.res.text(), 'Error 401: invalid_client');
  const noOpenid = await authorize(fake, { scope: CAL_SCOPE });
  t.equal(noOpenid.res.status, 400);
});

t.test('code exchange with PKCE S256, id_token and nonce', async (t) => {
  const fake = await setup(t);
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(fake, { code_challenge: challenge, code_challenge_method: 'S256', nonce: 'nonce-42' });
  const code = callback?.searchParams.get('code') ?? '';
  const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: fake.clientId, client_secret: fake.clientSecret };

  const wrong = await token(fake, { ...base, code_verifier: pkce().verifier });
  t.same(wrong, { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } });
  const wrongRedirect = await token(fake, { ...base, redirect_uri: 'http://127.0.0.1:9/other', code_verifier: verifier });
  t.equal(wrongRedirect.body.error, 'invalid_grant');
  const badSecret = await token(fake, { ...base, client_secret: 'x', code_verifier: verifier });
  t.same(badSecret, { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } });

  const ok = await token(fake, { ...base, code_verifier: verifier });
  t.equal(ok.status, 200);
  t.match(ok.body, { access_token: /^ya29\./, refresh_token: /^1\/\//, expires_in: 3600, token_type: 'Bearer', id_token: String });
  t.match(ok.body.scope, /userinfo\.email/);

  const idToken = String(ok.body.id_token);
  t.ok(decodeProtectedHeader(idToken).kid, 'id_token has kid');
  const jwks = createRemoteJWKSet(new URL(`${fake.issuer}/oauth2/v3/certs`));
  const { payload } = await jwtVerify(idToken, jwks, { issuer: fake.issuer, audience: fake.clientId, algorithms: ['RS256'] });
  t.match(payload, { sub: alice.sub, azp: fake.clientId, email: alice.email, email_verified: true, name: alice.name, nonce: 'nonce-42' });
  t.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600);

  const reused = await token(fake, { ...base, code_verifier: verifier });
  t.equal(reused.body.error, 'invalid_grant', 'codes are single-use');
  t.equal(fake.counts.token_authorization_code, 5);

  // client_secret_basic works too, and unsupported grants are rejected.
  const basic = `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`;
  const unsupported = await token(fake, { grant_type: 'password' }, { authorization: basic });
  t.same(unsupported.body.error, 'unsupported_grant_type');
  const missing = await token(fake, { grant_type: 'authorization_code' }, { authorization: basic });
  t.same(missing.body.error, 'invalid_request');
});

t.test('refresh, revokeRefreshTokens and /revoke', async (t) => {
  const fake = await setup(t);
  const first = await login(fake);
  const refresh = (refresh_token: string) =>
    token(fake, { grant_type: 'refresh_token', refresh_token }, { authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}` });

  const r1 = await refresh(first.refresh_token ?? '');
  t.equal(r1.status, 200);
  t.match(r1.body, { access_token: /^ya29\./, expires_in: 3600, token_type: 'Bearer', scope: first.scope, id_token: String });
  t.notOk('refresh_token' in r1.body, 'Google does not rotate refresh tokens');
  t.not(r1.body.access_token, first.access_token);
  t.equal(fake.counts.token_refresh, 1);

  fake.revokeRefreshTokens(alice.sub);
  t.same(await refresh(first.refresh_token ?? ''), {
    status: 400,
    body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
  });

  // Revoking an access token kills the whole grant.
  const second = await login(fake);
  const revoke = await fetch(`${fake.issuer}/revoke?token=${encodeURIComponent(second.access_token)}`, { method: 'POST' });
  t.equal(revoke.status, 200);
  t.same(await revoke.json(), {});
  t.equal((await refresh(second.refresh_token ?? '')).body.error, 'invalid_grant');
  t.equal((await api(fake, '/users/me/calendarList', second.access_token)).status, 401);
  const again = await fetch(`${fake.issuer}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: second.access_token }),
  });
  t.equal(again.status, 400);
  t.same(await again.json(), { error: 'invalid_token', error_description: 'Token expired or revoked' });
  t.equal(fake.counts.revoke, 2);

  fake.queueConsent({ omitRefreshToken: true });
  t.notOk((await login(fake)).refresh_token);
});

t.test('userinfo', async (t) => {
  const fake = await setup(t);
  const { access_token } = await login(fake);
  const res = await fetch(`${fake.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${access_token}` } });
  t.equal(res.status, 200);
  t.same(await res.json(), {
    sub: alice.sub, email: alice.email, email_verified: true, name: alice.name, given_name: 'Alice', family_name: 'Liddell',
    picture: 'https://lh3.googleusercontent.com/a/default-user=s96-c', locale: 'en',
  });
  const bad = await fetch(`${fake.issuer}/v1/userinfo`, { headers: { authorization: 'Bearer ya29.nope' } });
  t.equal(bad.status, 401);
  t.equal(bad.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  t.same(await bad.json(), { error: 'invalid_token', error_description: 'Invalid Credentials' });
  t.equal(fake.counts.userinfo, 2);
});

t.test('calendarList paging, deleted calendars, bad page token', async (t) => {
  const fake = await setup(t);
  const { access_token } = await login(fake);
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const res = await api(fake, `/users/me/calendarList${pageToken ? `?pageToken=${encodeURIComponent(pageToken)}` : ''}`, access_token);
    t.equal(res.status, 200);
    const body = (await res.json()) as { kind: string; etag: string; nextPageToken?: string; items: Array<Record<string, unknown>> };
    t.equal(body.kind, 'calendar#calendarList');
    t.ok(body.items.length <= 2);
    for (const item of body.items) {
      t.match(item, { kind: 'calendar#calendarListEntry', etag: /^".+"$/, id: String, backgroundColor: '#9fe1e7', selected: true });
      ids.push(String(item.id));
    }
    if (pages === 0) t.match(body.items[0], { primary: true, accessRole: 'owner', timeZone: 'Europe/London' });
    pageToken = body.nextPageToken;
    pages++;
  } while (pageToken);
  t.equal(pages, 3);
  t.same(ids, alice.calendars.filter((c) => !c.deleted).map((c) => c.id));
  t.equal(fake.counts.calendarList, 3);

  const withDeleted = (await (await api(fake, '/users/me/calendarList?showDeleted=true&maxResults=250', access_token)).json()) as {
    items: Array<{ id: string; deleted?: boolean }>;
  };
  t.equal(withDeleted.items.length, 2, 'calendarPageSize caps maxResults');
  fake.calendarPageSize = 10;
  const all = (await (await api(fake, '/users/me/calendarList?showDeleted=true', access_token)).json()) as {
    items: Array<{ id: string; deleted?: boolean }>;
  };
  t.equal(all.items.length, 6);
  t.match(all.items.find((i) => i.id === 'gone@group.calendar.google.com'), { deleted: true });

  const bad = await api(fake, '/users/me/calendarList?pageToken=garbage', access_token);
  t.equal(bad.status, 400);
  t.match(await bad.json(), { error: { code: 400, errors: [{ reason: 'invalid' }] } });
});

t.test('calendarList auth errors: expired token, missing token, missing scope', async (t) => {
  const fake = await setup(t);
  const { access_token } = await login(fake);
  t.equal((await api(fake, '/users/me/calendarList', access_token)).status, 200);

  fake.expireAccessTokens();
  const expired = await api(fake, '/users/me/calendarList', access_token);
  t.equal(expired.status, 401);
  t.same(await expired.json(), {
    error: {
      code: 401,
      message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
      status: 'UNAUTHENTICATED',
    },
  });
  t.equal((await api(fake, '/users/me/calendarList')).status, 401);
  t.equal((await fetch(`${fake.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${access_token}` } })).status, 401);

  fake.queueConsent({ grantedScopes: ['openid', 'https://www.googleapis.com/auth/userinfo.email'] });
  const noCal = await login(fake);
  const forbidden = await api(fake, '/users/me/calendarList', noCal.access_token);
  t.equal(forbidden.status, 403);
  t.match(await forbidden.json(), { error: { code: 403, status: 'PERMISSION_DENIED', errors: [{ reason: 'insufficientPermissions' }] } });
});

t.test('failNext, request log and 404', async (t) => {
  const fake = await setup(t);
  const { access_token } = await login(fake);
  const path = '/calendar/v3/users/me/calendarList';
  fake.failNext(path, 503);
  fake.failNext(path, 429, { error: { code: 429, message: 'slow down' } }, { 'retry-after': '1' });

  const first = await api(fake, '/users/me/calendarList', access_token);
  t.equal(first.status, 503);
  t.match(await first.json(), { error: { code: 503, status: 'UNAVAILABLE' } });
  const second = await api(fake, '/users/me/calendarList', access_token);
  t.equal(second.status, 429);
  t.equal(second.headers.get('retry-after'), '1');
  t.same(await second.json(), { error: { code: 429, message: 'slow down' } });
  t.equal((await api(fake, '/users/me/calendarList', access_token)).status, 200, 'failures are consumed');
  t.equal(fake.counts.calendarList, 3, 'canned responses are counted too');

  fake.failNext('/token', 500, 'oops');
  const tok = await fetch(`${fake.issuer}/token`, { method: 'POST' });
  t.equal(tok.status, 500);
  t.equal(await tok.text(), 'oops');

  const nf = await fetch(`${fake.issuer}/nope?x=1`);
  t.equal(nf.status, 404);
  t.match(await nf.json(), { error: { code: 404, status: 'NOT_FOUND' } });
  t.match(fake.requests.at(-1), { method: 'GET', path: '/nope', query: { x: '1' } });
  t.ok(fake.requests.every((r) => typeof r.headers.host === 'string'));
});

t.test('openid-client 6 end to end', async (t) => {
  const fake = await setup(t);
  const config = await client.discovery(new URL(fake.issuer), fake.clientId, fake.clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope: `openid email profile ${CAL_SCOPE}`, nonce, state, access_type: 'offline',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const location = (await fetch(authUrl, { redirect: 'manual' })).headers.get('location') ?? '';
  const tokens = await client.authorizationCodeGrant(config, new URL(location), {
    pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true,
  });
  t.equal(tokens.claims()?.sub, alice.sub);
  const info = await client.fetchUserInfo(config, tokens.access_token, alice.sub);
  t.equal(info.email, alice.email);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
  t.match(refreshed.access_token, /^ya29\./);
  fake.revokeRefreshTokens();
  const err = await client.refreshTokenGrant(config, tokens.refresh_token ?? '').then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof client.ResponseBodyError);
  t.match(err, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
});

// --- Calendar API v3: events and freeBusy --------------------------------------------------------------------

const AUTH = 'https://www.googleapis.com/auth/';
const HOLIDAY = 'en.uk#holiday@group.v.calendar.google.com';
const TEAM = 'team@group.calendar.google.com';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

/** A fake with alice (plus a calendar whose id needs encoding) and a token for `scope`. */
async function eventsSetup(t: Test, scope = `${AUTH}calendar`) {
  const fake = await startFakeGoogle();
  t.teardown(() => fake.close());
  const user = structuredClone(alice);
  user.calendars.push({ id: HOLIDAY, summary: 'Holidays in United Kingdom', accessRole: 'owner' });
  fake.addUser(user);
  const { access_token } = await login(fake, { scope: `openid email ${scope}` });
  return { fake, token: access_token };
}

async function call(fake: FakeGoogle, token: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${fake.apiUrl}/calendar/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Body };
}

const eventsPath = (calendarId: string, eventId?: string) =>
  `/calendars/${encodeURIComponent(calendarId)}/events${eventId === undefined ? '' : `/${encodeURIComponent(eventId)}`}`;
const at = (hhmm: string, day = '2026-11-24') => ({ dateTime: `${day}T${hhmm}:00Z` });
const googleErr = (code: number, status: string, reason: string, message: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason }], status },
});

t.test('events.list: time window, encoded calendar id, paging across 3 pages', async (t) => {
  const { fake, token } = await eventsSetup(t);
  fake.eventPageSize = 2;
  const add = (id: string, start: object, end: object, extra: object = {}) => fake.addEvent(alice.sub, HOLIDAY, { id, start, end, ...extra });
  add('ev00early', at('06:00'), at('07:00')); // ends before the window
  add('ev05', at('07:00'), at('09:30')); // overlaps the window start
  add('ev01', at('10:00'), at('11:00'));
  add('ev02', at('10:00'), at('10:30')); // same start: ordered by id
  add('ev03', { dateTime: '2026-11-24T14:00:00+01:00' }, { dateTime: '2026-11-24T15:00:00+01:00' });
  add('ev04allday', { date: '2026-11-24' }, { date: '2026-11-25' });
  add('ev06allday', { date: '2026-11-23' }, { date: '2026-11-24' }); // end date is exclusive: outside
  add('ev07late', at('18:00'), at('19:00')); // starts at timeMax: outside
  add('ev08gone', at('12:00'), at('13:00'), { status: 'cancelled' });

  const window = `timeMin=${encodeURIComponent('2026-11-24T09:00:00Z')}&timeMax=${encodeURIComponent('2026-11-24T18:00:00Z')}`;
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const res = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?${window}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`);
    t.equal(res.status, 200);
    t.match(res.body, {
      kind: 'calendar#events', etag: /^".+"$/, summary: 'Holidays in United Kingdom', updated: String,
      timeZone: 'UTC', accessRole: 'owner', defaultReminders: [],
    });
    t.ok(res.body.items.length <= 2);
    for (const item of res.body.items) {
      t.match(item, { kind: 'calendar#event', etag: /^"\d+"$/, status: 'confirmed', htmlLink: /^https:\/\/www\.google\.com\/calendar\/event\?eid=/ });
      ids.push(item.id);
    }
    pageToken = res.body.nextPageToken;
    t.equal('nextSyncToken' in res.body, pageToken === undefined, 'nextSyncToken only on the last page');
    pages++;
  } while (pageToken);
  t.equal(pages, 3);
  t.same(ids, ['ev04allday', 'ev05', 'ev01', 'ev02', 'ev03']);
  t.equal(fake.counts.events_list, 3);

  const big = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?maxResults=2500`);
  t.equal(big.body.items.length, 2, 'eventPageSize caps maxResults');
  fake.eventPageSize = 250;
  const all = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?maxResults=3&orderBy=updated`);
  t.equal(all.body.items.length, 3);
  t.ok(all.body.nextPageToken);
  const wrongCal = await call(fake, token, 'GET', `${eventsPath(TEAM)}?orderBy=updated&pageToken=${encodeURIComponent(all.body.nextPageToken)}`);
  t.equal(wrongCal.status, 400, 'a page token is bound to its calendar');
  t.match(wrongCal.body, { error: { code: 400, errors: [{ reason: 'invalid', location: 'pageToken' }] } });
  t.match((await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?pageToken=garbage`)).body, { error: { errors: [{ reason: 'invalid' }] } });

  const startTime = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?orderBy=startTime`);
  t.equal(startTime.status, 400);
  t.same(startTime.body, googleErr(400, 'INVALID_ARGUMENT', 'badRequest', 'The requested ordering is not available for the particular query.'));
  const single = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?orderBy=startTime&singleEvents=true&${window}`);
  t.same(single.body.items.map((i: Body) => i.id), ['ev04allday', 'ev05', 'ev01', 'ev02', 'ev03']);
  t.equal((await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?timeMin=2026-11-24T09:00:00`)).status, 400, 'offset is mandatory');
  t.match((await call(fake, token, 'GET', `${eventsPath('primary')}`)).body, { summary: alice.email, accessRole: 'owner' });
  t.equal((await call(fake, token, 'GET', eventsPath('stranger@example.com'))).status, 404);
  t.equal((await call(fake, token, 'GET', eventsPath('gone@group.calendar.google.com'))).status, 404, 'deleted calendars are gone');
});

t.test('events.list: showDeleted and updatedMin include cancelled events', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const old = { created: '2020-01-01T00:00:00.000Z', updated: '2020-01-01T00:00:00.000Z' };
  fake.addEvent(alice.sub, TEAM, { id: 'oldkept', start: at('09:00'), end: at('10:00'), ...old });
  fake.addEvent(alice.sub, TEAM, { id: 'olddeleted', start: at('10:00'), end: at('11:00'), ...old, status: 'cancelled' });
  fake.addEvent(alice.sub, TEAM, { id: 'fresh', start: at('11:00'), end: at('12:00') });
  fake.addEvent(alice.sub, TEAM, { id: 'freshdeleted', start: at('12:00'), end: at('13:00') });
  t.equal((await call(fake, token, 'DELETE', eventsPath(TEAM, 'freshdeleted'))).status, 204);

  const ids = async (query: string) => (await call(fake, token, 'GET', `${eventsPath(TEAM)}${query}`)).body.items.map((i: Body) => i.id);
  t.same(await ids(''), ['oldkept', 'fresh']);
  t.same(await ids('?showDeleted=false'), ['oldkept', 'fresh']);
  t.same(await ids('?showDeleted=true'), ['oldkept', 'olddeleted', 'fresh', 'freshdeleted']);
  t.same(await ids(`?updatedMin=${encodeURIComponent('2021-01-01T00:00:00Z')}`), ['fresh', 'freshdeleted'], 'updatedMin implies deleted ones');
  const deleted = (await call(fake, token, 'GET', `${eventsPath(TEAM)}?showDeleted=true`)).body.items[3];
  t.match(deleted, { id: 'freshdeleted', status: 'cancelled' });
  t.ok(Date.parse(deleted.updated) >= Date.parse(deleted.created));
  t.match(fake.events(alice.sub, TEAM).map((e) => e.status), ['confirmed', 'cancelled', 'confirmed', 'cancelled']);
});

t.test('events.insert, get, duplicate, invalid id, missing times, reader and freeBusyReader calendars', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const body = {
    id: 'clientchosen0001', summary: 'Planning', description: 'Q1', location: 'Room 1', start: at('09:00'), end: at('10:00'),
    transparency: 'opaque', extendedProperties: { private: { cronofyEventId: 'evt-1' } },
    attendees: [{ email: 'bob@example.com', responseStatus: 'needsAction' }],
  };
  const created = await call(fake, token, 'POST', eventsPath(TEAM), body);
  t.equal(created.status, 200);
  t.match(created.body, {
    ...body, kind: 'calendar#event', status: 'confirmed', etag: /^"\d+"$/, iCalUID: 'clientchosen0001@google.com',
    htmlLink: /eid=/, created: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
  });
  t.equal(created.body.created, created.body.updated);
  t.match(fake.events(alice.sub, TEAM), [{ id: 'clientchosen0001', summary: 'Planning', status: 'confirmed' }]);
  t.same((await call(fake, token, 'GET', eventsPath(TEAM, 'clientchosen0001'))).body, created.body);
  const byProperty = await call(fake, token, 'GET', `${eventsPath(TEAM)}?privateExtendedProperty=${encodeURIComponent('cronofyEventId=evt-1')}`);
  t.same(byProperty.body.items.map((i: Body) => i.id), ['clientchosen0001']);

  const generated = await call(fake, token, 'POST', eventsPath(TEAM), { start: { date: '2026-11-24' }, end: { date: '2026-11-25' } });
  t.match(generated.body.id, /^[a-v0-9]{26}$/);
  t.equal(generated.body.iCalUID, `${generated.body.id}@google.com`);

  const dup = await call(fake, token, 'POST', eventsPath(TEAM), body);
  t.equal(dup.status, 409);
  t.same(dup.body, googleErr(409, 'ABORTED', 'duplicate', 'The requested identifier already exists.'));
  fake.addEvent(alice.sub, TEAM, { id: 'cancelled01', start: at('09:00'), end: at('10:00'), status: 'cancelled' });
  t.equal((await call(fake, token, 'POST', eventsPath(TEAM), { ...body, id: 'cancelled01' })).status, 409, 'even of a cancelled event');

  for (const id of ['UPPERCASE1', 'abc', 'has-dash-01', 'wxyz12345']) {
    const bad = await call(fake, token, 'POST', eventsPath(TEAM), { ...body, id });
    t.equal(bad.status, 400, id);
    t.same(bad.body, googleErr(400, 'INVALID_ARGUMENT', 'invalid', 'Invalid resource id value.'));
  }
  const noEnd = await call(fake, token, 'POST', eventsPath(TEAM), { start: at('09:00') });
  t.same(noEnd.body, googleErr(400, 'INVALID_ARGUMENT', 'required', 'Missing end time.'));
  t.equal((await call(fake, token, 'POST', eventsPath(TEAM), { end: at('09:00') })).body.error.message, 'Missing start time.');
  t.match((await call(fake, token, 'POST', eventsPath(TEAM), { start: at('10:00'), end: at('09:00') })).body, { error: { errors: [{ reason: 'timeRangeEmpty' }] } });
  t.match((await call(fake, token, 'POST', eventsPath(TEAM), { start: { dateTime: '2026-11-24T09:00:00' }, end: { dateTime: '2026-11-24T10:00:00' } })).body, {
    error: { code: 400, message: 'Missing time zone definition for end time.' },
  });
  const zoned = await call(fake, token, 'POST', eventsPath(TEAM), {
    start: { dateTime: '2026-07-01T09:00:00', timeZone: 'Europe/London' }, end: { dateTime: '2026-07-01T10:00:00', timeZone: 'Europe/London' },
  });
  t.equal(zoned.status, 200);
  const parseError = await fetch(`${fake.apiUrl}/calendar/v3${eventsPath(TEAM)}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{' });
  t.same(await parseError.json(), googleErr(400, 'INVALID_ARGUMENT', 'parseError', 'Parse Error'));

  const reader = await call(fake, token, 'POST', eventsPath('holidays@group.v.calendar.google.com'), body);
  t.equal(reader.status, 403);
  t.same(reader.body, googleErr(403, 'PERMISSION_DENIED', 'requiredAccessLevel', 'You need to have writer access to this calendar.'));
  t.equal((await call(fake, token, 'POST', eventsPath('bob@example.com'), body)).status, 403);

  fake.addEvent(alice.sub, 'bob@example.com', { id: 'bobsmeeting', summary: 'Secret', start: at('09:00'), end: at('10:00'), transparency: 'opaque' });
  const bob = await call(fake, token, 'GET', eventsPath('bob@example.com'));
  t.match(bob.body, { accessRole: 'freeBusyReader' });
  t.same(bob.body.items, [{ id: 'bobsmeeting', status: 'confirmed', start: at('09:00'), end: at('10:00'), transparency: 'opaque' }]);
  t.equal(fake.counts.events_insert, 16);
  t.equal(fake.counts.events_get, 1);
});

t.test('events.update (PUT), patch, delete, 404 and 410', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const original = fake.addEvent(alice.sub, TEAM, {
    id: 'meeting01', summary: 'Original', description: 'keep?', start: at('09:00'), end: at('10:00'), created: '2020-01-01T00:00:00.000Z', updated: '2020-01-01T00:00:00.000Z',
  });
  const etag = original.etag;
  const put = await call(fake, token, 'PUT', eventsPath(TEAM, 'meeting01'), { id: 'ignored', summary: 'Replaced', start: at('11:00'), end: at('12:00') });
  t.equal(put.status, 200);
  t.match(put.body, { id: 'meeting01', summary: 'Replaced', start: at('11:00'), created: '2020-01-01T00:00:00.000Z', iCalUID: 'meeting01@google.com' });
  t.notOk('description' in put.body, 'PUT replaces the whole resource');
  t.not(put.body.etag, etag);
  t.ok(put.body.updated > '2020-01-01T00:00:00.000Z');

  const patch = await call(fake, token, 'PATCH', eventsPath(TEAM, 'meeting01'), { location: 'Room 2', summary: null });
  t.equal(patch.status, 200);
  t.match(patch.body, { id: 'meeting01', location: 'Room 2', start: at('11:00'), end: at('12:00') });
  t.notOk('summary' in patch.body, 'null clears a field');
  t.not(patch.body.etag, put.body.etag);
  t.equal((await call(fake, token, 'PATCH', eventsPath(TEAM, 'meeting01'), { end: at('10:00') })).body.error.errors[0].reason, 'timeRangeEmpty');

  const del = await fetch(`${fake.apiUrl}/calendar/v3${eventsPath(TEAM, 'meeting01')}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  t.equal(del.status, 204);
  t.equal(await del.text(), '');
  t.match((await call(fake, token, 'GET', eventsPath(TEAM, 'meeting01'))).body, { id: 'meeting01', status: 'cancelled' });
  const again = await call(fake, token, 'DELETE', eventsPath(TEAM, 'meeting01'));
  t.equal(again.status, 410);
  t.same(again.body, googleErr(410, 'GONE', 'deleted', 'Resource has been deleted'));
  const restored = await call(fake, token, 'PUT', eventsPath(TEAM, 'meeting01'), { summary: 'Back', start: at('11:00'), end: at('12:00') });
  t.match(restored.body, { status: 'confirmed', summary: 'Back' }, 'a full update restores a cancelled event');

  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    const res = await call(fake, token, method, eventsPath(TEAM, 'nosuchevent'), method === 'GET' || method === 'DELETE' ? undefined : { start: at('09:00'), end: at('10:00') });
    t.equal(res.status, 404, method);
    t.same(res.body, googleErr(404, 'NOT_FOUND', 'notFound', 'Not Found'));
  }
  t.equal((await call(fake, token, 'PATCH', eventsPath('holidays@group.v.calendar.google.com', 'x1234'), {})).status, 403);
  t.equal((await call(fake, token, 'DELETE', eventsPath('stranger@example.com', 'x1234'))).status, 404);
  t.match(fake.counts, { events_update: 7, events_delete: 4, events_get: 2 });
});

t.test('freeBusy: merging, clipping, transparent and cancelled skipped, notFound ids', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const add = (calendarId: string, start: object, end: object, extra: object = {}) => fake.addEvent(alice.sub, calendarId, { start, end, ...extra });
  add(alice.email, at('07:00'), at('09:30')); // clipped at timeMin
  add(alice.email, at('10:00'), at('11:00'));
  add(alice.email, at('10:30'), at('11:30')); // overlaps: merged
  add(alice.email, at('10:45'), at('11:15')); // contained
  add(alice.email, at('13:00'), at('14:00'), { transparency: 'transparent' });
  add(alice.email, at('14:00'), at('15:00'), { status: 'cancelled' });
  add(alice.email, at('15:00'), at('16:00'), { attendees: [{ email: alice.email, self: true, responseStatus: 'declined' }] });
  add(alice.email, at('16:00'), at('16:30'), { status: 'tentative' });
  add(alice.email, at('17:00'), at('20:00')); // clipped at timeMax
  add('bob@example.com', { date: '2026-11-24' }, { date: '2026-11-25' });

  const query = { timeMin: '2026-11-24T09:00:00Z', timeMax: '2026-11-24T18:00:00Z', items: [{ id: alice.email }, { id: 'bob@example.com' }, { id: 'stranger@example.com' }] };
  const res = await call(fake, token, 'POST', '/freeBusy', query);
  t.equal(res.status, 200);
  t.same(res.body, {
    kind: 'calendar#freeBusy',
    timeMin: '2026-11-24T09:00:00.000Z',
    timeMax: '2026-11-24T18:00:00.000Z',
    calendars: {
      [alice.email]: {
        busy: [
          { start: '2026-11-24T09:00:00Z', end: '2026-11-24T09:30:00Z' },
          { start: '2026-11-24T10:00:00Z', end: '2026-11-24T11:30:00Z' },
          { start: '2026-11-24T16:00:00Z', end: '2026-11-24T16:30:00Z' },
          { start: '2026-11-24T17:00:00Z', end: '2026-11-24T18:00:00Z' },
        ],
      },
      'bob@example.com': { busy: [{ start: '2026-11-24T09:00:00Z', end: '2026-11-24T18:00:00Z' }] },
      'stranger@example.com': { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] },
    },
  });
  const zoned = await call(fake, token, 'POST', '/freeBusy', { ...query, timeZone: 'Europe/Paris', items: [{ id: 'primary' }] });
  t.same(zoned.body.calendars.primary.busy[0], { start: '2026-11-24T10:00:00+01:00', end: '2026-11-24T10:30:00+01:00' });

  t.same((await call(fake, token, 'POST', '/freeBusy', { timeMax: query.timeMax, items: [] })).body, googleErr(400, 'INVALID_ARGUMENT', 'required', 'Missing timeMin parameter.'));
  t.match((await call(fake, token, 'POST', '/freeBusy', { timeMin: query.timeMin, items: [] })).body, { error: { code: 400, errors: [{ reason: 'required' }] } });
  const empty = await call(fake, token, 'POST', '/freeBusy', { ...query, timeMax: query.timeMin });
  t.same(empty.body, googleErr(400, 'INVALID_ARGUMENT', 'timeRangeEmpty', 'The specified time range is empty.'));
  t.equal(fake.counts.freeBusy, 5);
});

t.test('events and freeBusy: scopes, 401 with an expired token, failNext on an encoded path', async (t) => {
  const { fake, token } = await eventsSetup(t, `${AUTH}calendar.freebusy`);
  const fb = await call(fake, token, 'POST', '/freeBusy', { timeMin: '2026-11-24T09:00:00Z', timeMax: '2026-11-24T18:00:00Z', items: [{ id: TEAM }] });
  t.equal(fb.status, 200, 'calendar.freebusy is enough for freeBusy');
  const list = await call(fake, token, 'GET', eventsPath(TEAM));
  t.equal(list.status, 403);
  t.same(list.body, {
    error: {
      code: 403, message: 'Request had insufficient authentication scopes.', status: 'PERMISSION_DENIED',
      errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    },
  });
  t.match(list.headers.get('www-authenticate'), /error="insufficient_scope"/);

  const readonly = (await login(fake, { scope: `openid ${AUTH}calendar.events.readonly` })).access_token;
  t.equal((await call(fake, readonly, 'GET', eventsPath(TEAM))).status, 200);
  const insert = await call(fake, readonly, 'POST', eventsPath(TEAM), { start: at('09:00'), end: at('10:00') });
  t.equal(insert.status, 403);
  t.match(insert.body, { error: { errors: [{ reason: 'insufficientPermissions' }] } });
  t.equal((await call(fake, readonly, 'DELETE', eventsPath(TEAM, 'abcde'))).status, 403);
  const email = (await login(fake, { scope: 'openid email' })).access_token;
  t.equal((await call(fake, email, 'POST', '/freeBusy', {})).status, 403);

  const encoded = `/calendar/v3/calendars/${encodeURIComponent(HOLIDAY)}/events`;
  t.equal(encoded, '/calendar/v3/calendars/en.uk%23holiday%40group.v.calendar.google.com/events');
  fake.failNext(encoded, 503);
  t.equal((await call(fake, readonly, 'GET', eventsPath(HOLIDAY))).status, 503);
  t.equal((await call(fake, readonly, 'GET', eventsPath(HOLIDAY))).status, 200);

  fake.expireAccessTokens();
  const unauthenticated = {
    error: {
      code: 401,
      message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
      status: 'UNAUTHENTICATED',
    },
  };
  for (const [method, path, body] of [
    ['GET', eventsPath(TEAM)], ['GET', eventsPath(TEAM, 'abcde')], ['POST', eventsPath(TEAM), {}], ['PUT', eventsPath(TEAM, 'abcde'), {}],
    ['PATCH', eventsPath(TEAM, 'abcde'), {}], ['DELETE', eventsPath(TEAM, 'abcde')], ['POST', '/freeBusy', {}],
  ] as const) {
    const res = await call(fake, readonly, method, path, body);
    t.equal(res.status, 401, `${method} ${path}`);
    t.same(res.body, unauthenticated);
  }
  t.equal((await call(fake, undefined, 'GET', eventsPath(TEAM))).status, 401);
  t.match(fake.counts, { events_list: 6, events_get: 1, events_insert: 2, events_update: 2, events_delete: 2, freeBusy: 3 });
});
