// The fake Google's OAuth/OIDC side and calendarList, over real HTTP.
import t from 'tap';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { alice, api, authorize, CAL_SCOPE, login, pkce, REDIRECT, setup, token } from './helpers/fake-google-client.js';

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
