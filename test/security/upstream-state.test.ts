// Attacks on and faults around the upstream callback (GET /google/accounts/connect): forged, replayed,
// expired or transplanted state; Google's token endpoint failing or hanging; scopes unticked at Google;
// a missing refresh token; and partial writes.
import { count } from 'drizzle-orm';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { loadTokens } from '../../src/storage/credentials.js';
import { accounts, profiles, upstreamCredentials } from '../../src/storage/schema.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/index.js';
import { TestBrowser, hiddenInput, type Step } from '../helpers/browser.js';
import { startBroker, type Broker } from '../helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from '../helpers/flow.js';
import { REDIS_URL } from '../helpers/services.js';
import { assertClean, snapshot, type Snapshot } from './clean.js';

const REDIRECT_URI = 'https://app.example.com/cb';
const G = 'https://www.googleapis.com/auth/';
const IDENTITY_SCOPES = ['openid', `${G}userinfo.email`, `${G}userinfo.profile`];

async function setup(t: Test, extra?: Record<string, string>) {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 'sub-1', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true }] });
  const broker = await startBroker(t, 'services', google, extra);
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const url = (more: Partial<Parameters<typeof authorizeUrl>[1]> = {}) =>
    authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1', ...more });
  const rows = async () => ({
    accounts: (await broker.app.db.select({ n: count() }).from(accounts))[0]!.n,
    profiles: (await broker.app.db.select({ n: count() }).from(profiles))[0]!.n,
    credentials: (await broker.app.db.select({ n: count() }).from(upstreamCredentials))[0]!.n,
  });
  const redeem = async (code: string) => {
    const response = await fetch(`${broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: client.client_id, client_secret: client.client_secret }),
    });
    t.equal(response.status, 200, 'code redeemed');
    return (await response.json()) as { access_token: string; scope: string; linking_profile: { profile_id: string } };
  };
  return { google, broker, client, url, rows, redeem };
}

/** Walks consent and Google's consent, stopping at the callback URL Google sends the browser to. */
async function callbackUrl(browser: TestBrowser, brokerUrl: string, authorize: string): Promise<string> {
  const consent = await browser.request(authorize);
  const toGoogle = await browser.request(`${brokerUrl}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  if (toGoogle.status !== 303) throw new Error(`consent POST gave ${toGoogle.status}`);
  const back = await browser.request(toGoogle.location!);
  if (!back.location?.startsWith(`${brokerUrl}/google/accounts/connect`)) throw new Error(`Google did not send the browser back: ${back.status} ${back.body}`);
  return back.location;
}

function withParam(url: string, key: string, value: string | null): string {
  const u = new URL(url);
  if (value === null) u.searchParams.delete(key);
  else u.searchParams.set(key, value);
  return u.href;
}

function assertStartAgainPage(t: Test, step: Step, label: string) {
  t.equal(step.status, 400, `${label}: 400`);
  t.equal(step.location, undefined, `${label}: no redirect, to the app or anywhere`);
  t.match(step.headers.get('content-type'), /^text\/html/, `${label}: an HTML page`);
  t.match(step.body, /Please start again/, `${label}: the start-again page`);
  t.notMatch(step.body, /code=/, `${label}: no code on the page`);
}

/** The app's redirect carrying an error, with the app's state and our issuer. */
function assertAppError(t: Test, step: Step, broker: Broker, error: string) {
  t.equal(step.status, 303, 'redirected');
  t.ok(step.location?.startsWith(`${REDIRECT_URI}?`), 'to the app');
  const params = redirectParams(step);
  t.equal(params.get('error'), error);
  t.equal(params.get('state'), 's1');
  t.equal(params.get('iss'), broker.url);
  t.equal(params.get('code'), null, 'no code');
  t.ok(params.get('error_description'), 'a description');
}

async function deleteKeys(pattern: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  } finally {
    await redis.quit();
  }
}

async function redisKeys(pattern: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.keys(pattern);
  } finally {
    await redis.quit();
  }
}

// --- The state parameter ----------------------------------------------------------------------

t.test('forged state: an unknown state gets the start-again page and no token exchange', async (t) => {
  const { google, broker, url } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  const before = await snapshot(broker, google);
  for (const state of ['unknown', new URL(callback).searchParams.get('state')!.slice(0, -1), `${new URL(callback).searchParams.get('state')}x`]) {
    const step = await browser.request(withParam(callback, 'state', state));
    assertStartAgainPage(t, step, `state "${state.slice(0, 10)}…"`);
  }
  await assertClean(t, broker, before, google);
  t.equal(google.counts.token_authorization_code, 0, "Google's token endpoint not called");
  // The genuine callback still works afterwards.
  const genuine = await browser.request(callback);
  t.equal(genuine.status, 303);
  t.ok(redirectParams(genuine).get('code'));
});

t.test('replayed state: the second use of a callback gets the start-again page and no second exchange', async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  const first = await browser.request(callback);
  t.equal(first.status, 303);
  t.ok(redirectParams(first).get('code'), 'first use: a code');
  t.equal(google.counts.token_authorization_code, 1);
  const afterFirst = await rows();
  const before = await snapshot(broker, google);
  const replay = await browser.request(callback);
  assertStartAgainPage(t, replay, 'replay');
  await assertClean(t, broker, before, google);
  t.equal(google.counts.token_authorization_code, 1, "Google's token endpoint called once only");
  t.same(await rows(), afterFirst);
});

/** A refused callback: the start-again page, nothing written, and Google's token endpoint never called. */
async function assertRefusedBeforeGoogle(
  t: Test,
  { google, broker, rows }: { google: FakeGoogle; broker: Broker; rows: () => Promise<Record<string, number>> },
  step: Step,
  label: string,
  before: Snapshot,
): Promise<void> {
  assertStartAgainPage(t, step, label);
  await assertClean(t, broker, before, google);
  t.equal(google.counts.token_authorization_code, 0, "Google's token endpoint not called");
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 });
}

t.test('expired state: once the upstream attempt is gone from the store, the callback gets the start-again page', async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  t.equal(await deleteKeys(`${broker.env.REDIS_KEY_PREFIX}upstream:*`), 1, 'one upstream attempt expired');
  const before = await snapshot(broker, google);
  const step = await browser.request(callback);
  await assertRefusedBeforeGoogle(t, { google, broker, rows }, step, 'expired', before);
});

t.test('state transplanted to a browser without the cookie: start-again page, no token exchange', async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const callback = await callbackUrl(new TestBrowser(), broker.url, url());
  const before = await snapshot(broker, google);
  const step = await new TestBrowser().request(callback);
  t.match(step.body, /another browser/);
  await assertRefusedBeforeGoogle(t, { google, broker, rows }, step, 'no cookie', before);
});

t.test("login CSRF: the attacker's callback fed to a victim browser with its own cookie is refused", async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const attacker = new TestBrowser();
  const callback = await callbackUrl(attacker, broker.url, url());
  // The victim has a binding cookie of their own (they opened a consent page).
  const victim = new TestBrowser();
  const consent = await victim.request(url({ state: 'victim' }));
  t.equal(consent.status, 200);
  const before = await snapshot(broker, google);
  const step = await victim.request(callback);
  await assertRefusedBeforeGoogle(t, { google, broker, rows }, step, 'other cookie', before);
});

t.test('missing state (and a state given twice): start-again page, no token exchange', async (t) => {
  const { google, broker, url } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  const before = await snapshot(broker, google);
  assertStartAgainPage(t, await browser.request(withParam(callback, 'state', null)), 'no state');
  assertStartAgainPage(t, await browser.request(withParam(callback, 'state', '')), 'empty state');
  assertStartAgainPage(t, await browser.request(`${broker.url}/google/accounts/connect`), 'no query at all');
  const genuine = new URL(callback).searchParams.get('state')!;
  const twice = new URL(callback);
  twice.searchParams.append('state', genuine);
  const repeated = await browser.request(twice.href);
  t.equal(repeated.status, 400, 'state given twice: 400');
  t.equal(repeated.location, undefined, 'state given twice: no redirect');
  t.match(repeated.headers.get('content-type'), /^text\/html/, 'state given twice: an HTML page');
  await assertClean(t, broker, before, google);
  t.equal(google.counts.token_authorization_code, 0, "Google's token endpoint not called");
});

// --- Google's token endpoint failing ----------------------------------------------------------

t.test("Google's token endpoint answering 503: temporarily_unavailable to the app, nothing stored", async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  google.failNext('/token', 503);
  const step = await browser.request(callback);
  assertAppError(t, step, broker, 'temporarily_unavailable');
  t.equal(google.counts.token_authorization_code, 1, 'one exchange attempted');
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'no account, profile or credential');
  t.same(await redisKeys(`${broker.env.REDIS_KEY_PREFIX}code:*`), [], 'no code stored');
});

t.test("Google's token endpoint answering 502 with an HTML body: temporarily_unavailable, nothing stored", async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  google.failNext('/token', 502, '<html><body>Bad Gateway</body></html>', { 'content-type': 'text/html' });
  const step = await browser.request(callback);
  assertAppError(t, step, broker, 'temporarily_unavailable');
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'no account, profile or credential');
  t.same(await redisKeys(`${broker.env.REDIS_KEY_PREFIX}code:*`), [], 'no code stored');
});

t.test("Google's token endpoint rate limiting (429): temporarily_unavailable, nothing stored", async (t) => {
  const { google, broker, url, rows } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  google.failNext('/token', 429, { error: 'rate_limit_exceeded', error_description: 'Rate Limit Exceeded' }, { 'retry-after': '10' });
  const step = await browser.request(callback);
  assertAppError(t, step, broker, 'temporarily_unavailable');
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'no account, profile or credential');
});

t.test("Google's token endpoint hanging past UPSTREAM_TIMEOUT_MS: temporarily_unavailable in time, nothing stored", async (t) => {
  const { google, broker, url, rows } = await setup(t, { UPSTREAM_TIMEOUT_MS: '500' });
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  google.tokenDelayMs = 3000;
  const started = Date.now();
  const step = await browser.request(callback);
  const elapsed = Date.now() - started;
  assertAppError(t, step, broker, 'temporarily_unavailable');
  t.ok(elapsed < 2500, `answered after ${elapsed} ms, before Google did (timeout 500 ms)`);
  // Let Google's late answer arrive: it must change nothing.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3300 - elapsed)));
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'no account, profile or credential');
  t.same(await redisKeys(`${broker.env.REDIS_KEY_PREFIX}code:*`), [], 'no code stored');
});

// --- Scopes unticked at Google ----------------------------------------------------------------

t.test('every calendar permission unticked at Google: the code carries no calendar scope', async (t) => {
  const { google, broker, url, redeem } = await setup(t);
  google.queueConsent({ grantedScopes: IDENTITY_SCOPES });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url({ scope: 'read_account list_calendars read_events create_event' }), REDIRECT_URI);
  const code = redirectParams(final).get('code');
  t.ok(code, 'read_account alone is still granted');
  const token = await redeem(code!);
  t.equal(token.scope, 'read_account', 'only read_account');
  const calendarCalls = google.counts.calendarList;
  for (const path of ['/v1/calendars', '/v1/events']) {
    const response = await fetch(`${broker.url}${path}`, { headers: { authorization: `Bearer ${token.access_token}` } });
    t.equal(response.status, 403, `${path}: 403`);
    t.match(response.headers.get('www-authenticate'), /insufficient_scope/);
  }
  t.equal(google.counts.calendarList, calendarCalls, 'the refused calls never reached Google');
});

t.test('calendar permission unticked when only calendar scopes were asked: access_denied, no code, nothing stored', async (t) => {
  const { google, broker, url, rows } = await setup(t);
  google.queueConsent({ grantedScopes: IDENTITY_SCOPES });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url({ scope: 'list_calendars read_events' }), REDIRECT_URI);
  assertAppError(t, final, broker, 'access_denied');
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'no account, profile or credential');
  t.same(await redisKeys(`${broker.env.REDIS_KEY_PREFIX}code:*`), [], 'no code stored');
});

t.test('event permission unticked, calendar list kept: the code carries list_calendars only', async (t) => {
  const { google, broker, url, redeem } = await setup(t);
  google.queueConsent({ grantedScopes: [...IDENTITY_SCOPES, `${G}calendar.calendarlist.readonly`] });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url({ scope: 'list_calendars read_events create_event' }), REDIRECT_URI);
  const token = await redeem(redirectParams(final).get('code')!);
  t.equal(token.scope, 'list_calendars');
  const events = await fetch(`${broker.url}/v1/events`, { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(events.status, 403, '/v1/events refused');
  const calendars = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(calendars.status, 200, '/v1/calendars allowed');
});

// --- Missing refresh token --------------------------------------------------------------------

t.test('Google omitting the refresh token on a reconnect: the stored refresh token is kept and still refreshes', async (t) => {
  const { google, broker, url, rows, redeem } = await setup(t);
  const first = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  const firstToken = await redeem(redirectParams(first.final).get('code')!);
  const profileId = firstToken.linking_profile.profile_id;
  const stored = await loadTokens(broker.app.db, broker.app.keyring, profileId);
  t.match(stored?.refreshToken, /^1\/\//, 'a refresh token is stored');

  google.queueConsent({ omitRefreshToken: true, sub: 'sub-1' });
  const second = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  const secondToken = await redeem(redirectParams(second.final).get('code')!);
  t.equal(secondToken.linking_profile.profile_id, profileId, 'same profile');
  t.same(await rows(), { accounts: 1, profiles: 1, credentials: 1 }, 'no second account');
  const after = await loadTokens(broker.app.db, broker.app.keyring, profileId);
  t.equal(after?.refreshToken, stored?.refreshToken, 'the stored refresh token was kept');
  t.not(after?.accessToken, stored?.accessToken, 'the new access token was stored');

  google.expireAccessTokens();
  const calendars = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${secondToken.access_token}` } });
  t.equal(calendars.status, 200, 'a forced refresh works');
  t.equal(google.counts.token_refresh, 1, 'refreshed with the kept refresh token');
});

// --- Written together or not at all -----------------------------------------------------------

t.test('the code cannot be stored: no account, profile or credential is left behind', async (t) => {
  const { broker, url, rows } = await setup(t);
  const store = broker.app.stateStore as StateStore;
  const put = store.put.bind(store);
  store.put = async (key, value, ttl) => {
    if (key.startsWith('code:')) throw new Error('state store unavailable (test)');
    return put(key, value, ttl);
  };
  t.teardown(() => {
    store.put = put;
  });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  t.equal(final.status, 303, 'back to the app');
  const params = redirectParams(final);
  t.ok(['server_error', 'temporarily_unavailable'].includes(params.get('error') ?? ''), `an error for the app (${params.get('error')})`);
  t.equal(params.get('state'), 's1');
  t.equal(params.get('code'), null, 'no code');
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'account, profile and credential not written without the code');
});

t.test('the credential cannot be written: neither account nor profile is left behind, and no code is issued', async (t) => {
  const { broker, url, rows } = await setup(t);
  const keyring = broker.app.keyring;
  const encrypt = keyring.encrypt.bind(keyring);
  keyring.encrypt = () => {
    throw new Error('encryption failed (test)');
  };
  t.teardown(() => {
    keyring.encrypt = encrypt;
  });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  assertAppError(t, final, broker, 'server_error');
  t.same(await rows(), { accounts: 0, profiles: 0, credentials: 0 }, 'the transaction rolled back');
  t.same(await redisKeys(`${broker.env.REDIS_KEY_PREFIX}code:*`), [], 'no code stored');
});
