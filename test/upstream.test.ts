// Upstream token upkeep and upstream failures as /v1 sees them, against the fake Google.
import { eq } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { profiles, upstreamCredentials } from '../src/storage/schema.js';
import { startFakeGoogle } from './fake-google/index.js';
import { TestBrowser } from './helpers/browser.js';
import { startBroker } from './helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from './helpers/flow.js';

const REDIRECT_URI = 'https://app.example.com/cb';

/** A broker with Ada connected through the real flow; returns a calbroker access token for her. */
async function connected(t: Test, options: { accessTokenTtl?: number } = {}) {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 'sub-ada', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true }] });
  if (options.accessTokenTtl !== undefined) google.accessTokenTtl = options.accessTokenTtl;
  const broker = await startBroker(t, 'services', google);
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI }), REDIRECT_URI);
  const token = (await (
    await fetch(`${broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: redirectParams(final).get('code'), redirect_uri: REDIRECT_URI, client_id: client.client_id, client_secret: client.client_secret }),
    })
  ).json()) as { access_token: string; linking_profile: { profile_id: string } };
  const calendars = () => fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } });
  const storedCredential = async () =>
    (await broker.app.db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, token.linking_profile.profile_id)))[0]!;
  return { google, broker, calendars, profileId: token.linking_profile.profile_id, storedCredential, accessToken: token.access_token };
}

const statusOf = async (call: () => Promise<Response>) => (await call()).status;

t.test('an upstream token about to expire is refreshed before the call, not after a 401', async (t) => {
  const { google, calendars } = await connected(t, { accessTokenTtl: 30 });
  const response = await calendars();
  t.equal(response.status, 200);
  t.equal(google.counts.token_refresh, 1, 'refreshed first');
  const unauthorized = google.requests.filter((r) => r.path.startsWith('/calendar/')).length;
  t.equal(unauthorized, 1, 'one Calendar API call, made with the fresh token');
});

t.test('concurrent calls in one process share a single upstream refresh', async (t) => {
  const { google, calendars } = await connected(t);
  google.expireAccessTokens();
  const responses = await Promise.all(Array.from({ length: 10 }, () => calendars()));
  t.same(responses.map((r) => r.status), Array(10).fill(200));
  t.equal(google.counts.token_refresh, 1);
});

t.test('a dead refresh token disconnects the profile and the answer names it', async (t) => {
  const { google, broker, calendars, profileId, accessToken } = await connected(t);
  google.revokeRefreshTokens();
  google.expireAccessTokens();
  const response = await calendars();
  t.equal(response.status, 409);
  const body = (await response.json()) as { error: string; message: string; profile_id: string };
  t.equal(body.error, 'profile_disconnected');
  t.equal(body.profile_id, profileId);
  t.match(body.message, /ada@example\.com/);
  const [profile] = await broker.app.db.select().from(profiles).where(eq(profiles.id, profileId));
  t.equal(profile!.connected, false, 'marked disconnected');

  const profilesResponse = await fetch(`${broker.url}/v1/profiles`, { headers: { authorization: `Bearer ${accessToken}` } });
  const [listed] = ((await profilesResponse.json()) as { profiles: Array<Record<string, unknown>> }).profiles;
  t.match(listed, { profile_id: profileId, profile_connected: false, profile_relink_url: /\/oauth\/authorize\?/ }, '/v1/profiles offers a relink');

  const refreshesBefore = google.counts.token_refresh;
  const again = await calendars();
  t.equal(again.status, 409, 'still named on the next call');
  t.equal(google.counts.token_refresh, refreshesBefore, 'no further upstream refresh for a disconnected profile');
});

t.test('temporary upstream failures never disconnect anyone and lose nothing', async (t) => {
  const { google, broker, calendars, profileId, storedCredential } = await connected(t);
  const before = await storedCredential();

  google.failNext('/calendar/v3/users/me/calendarList', 503);
  const calls = google.counts.calendarList;
  t.equal((await statusOf(calendars)), 200, 'a single 5xx on a read is retried away');
  t.equal(google.counts.calendarList - calls, 2, 'one failure, one retry');

  for (let i = 0; i < 3; i += 1) google.failNext('/calendar/v3/users/me/calendarList', 503);
  const unavailable = await calendars();
  t.equal(unavailable.status, 503, 'still failing after the retries: 503');
  t.match(await unavailable.json(), { error: 'upstream_error' });

  google.failNext('/calendar/v3/users/me/calendarList', 429, undefined, { 'retry-after': '17' });
  const throttled = await calendars();
  t.equal(throttled.status, 429);
  t.equal(throttled.headers.get('retry-after'), '17');

  google.failNext('/calendar/v3/users/me/calendarList', 403, {
    error: { code: 403, message: 'Rate Limit Exceeded', errors: [{ domain: 'usageLimits', reason: 'userRateLimitExceeded', message: 'Rate Limit Exceeded' }], status: 'PERMISSION_DENIED' },
  });
  t.equal((await calendars()).status, 429, "Google's 403 rate-limit reasons become 429");

  google.expireAccessTokens();
  for (let i = 0; i < 3; i += 1) google.failNext('/token', 500);
  const refreshFailed = await calendars();
  t.equal(refreshFailed.status, 503, 'a failing upstream token endpoint is temporary');

  const [profile] = await broker.app.db.select().from(profiles).where(eq(profiles.id, profileId));
  t.equal(profile!.connected, true, 'still connected');
  t.same((await storedCredential()).ciphertext, before.ciphertext, 'stored credential untouched');
  t.equal((await calendars()).status, 200, 'and everything works once Google recovers');
});

t.test('Google failing during the sign-in: the app gets temporarily_unavailable, nothing is stored', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 's', email: 'e@example.com', name: 'E', calendars: [] });
  const broker = await startBroker(t, 'services', google);
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const url = authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 'st' });

  google.failNext('/.well-known/openid-configuration', 500);
  const discovery = await connectThroughConsent(new TestBrowser(), broker.url, url, REDIRECT_URI);
  t.match(Object.fromEntries(redirectParams(discovery.final)), { error: 'temporarily_unavailable', state: 'st', iss: broker.url }, 'discovery down');

  google.failNext('/token', 503);
  const exchange = await connectThroughConsent(new TestBrowser(), broker.url, url, REDIRECT_URI);
  t.match(Object.fromEntries(redirectParams(exchange.final)), { error: 'temporarily_unavailable', state: 'st' }, 'token endpoint down');
  t.equal((await broker.app.db.select().from(profiles)).length, 0, 'no profile stored');

  const retry = await connectThroughConsent(new TestBrowser(), broker.url, url, REDIRECT_URI);
  t.ok(redirectParams(retry.final).get('code'), 'a retry once Google is back succeeds');
});
