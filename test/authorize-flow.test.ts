// The hosted authorization flow's unhappy paths, over real HTTP with a cookie-carrying browser.
import { count } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { accounts } from '../src/storage/schema.js';
import { startFakeGoogle } from './fake-google/index.js';
import { TestBrowser, hiddenInput } from './helpers/browser.js';
import { startBroker } from './helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from './helpers/flow.js';

const REDIRECT_URI = 'https://app.example.com/cb';

async function setup(t: Test, extra?: Record<string, string>) {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 'sub-1', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true }] });
  const broker = await startBroker(t, 'services', google, extra);
  const client = await registerClient(broker.url, [REDIRECT_URI, 'http://127.0.0.1:8123/cb'], 'Planner <b>');
  const url = (more: Partial<Parameters<typeof authorizeUrl>[1]> = {}) =>
    authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1', ...more });
  const accountCount = async () => (await broker.app.db.select({ n: count() }).from(accounts))[0]!.n;
  const redeem = async (code: string) => {
    const response = await fetch(`${broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: client.client_id, client_secret: client.client_secret }),
    });
    return (await response.json()) as { access_token: string; scope: string };
  };
  return { google, broker, client, url, accountCount, redeem };
}

t.test('consent page escapes the app name and offers each enabled provider', async (t) => {
  const { url } = await setup(t);
  const page = await new TestBrowser().request(url());
  t.equal(page.status, 200);
  t.match(page.body, 'Planner &lt;b&gt;');
  t.notMatch(page.body, 'Planner <b>');
  t.match(page.body, /name="provider" value="google"/);
  t.match(page.headers.get('set-cookie'), /HttpOnly/i, 'browser-binding cookie is HttpOnly');
  t.match(page.headers.get('set-cookie'), /SameSite=Lax/i);
  t.equal(page.headers.get('cache-control'), 'no-store');
  t.equal(page.headers.get('x-frame-options'), 'DENY');
});

t.test('unknown client or unregistered redirect_uri: a 400 page, never a redirect', async (t) => {
  const { url, broker } = await setup(t);
  const browser = new TestBrowser();
  for (const [label, target] of [
    ['unknown client', url({ clientId: 'app_unknown' })],
    ['trailing slash', url({ redirectUri: `${REDIRECT_URI}/` })],
    ['other path', url({ redirectUri: 'https://app.example.com/other' })],
    ['upper-case host', url({ redirectUri: 'https://APP.example.com/cb' })],
    ['missing redirect_uri', `${broker.url}/oauth/authorize?response_type=code&client_id=x&scope=list_calendars`],
  ] as const) {
    const step = await browser.request(target);
    t.equal(step.status, 400, `${label}: 400`);
    t.equal(step.location, undefined, `${label}: no redirect`);
    t.match(step.headers.get('content-type'), /text\/html/, `${label}: an HTML page`);
  }
});

t.test('other request errors redirect to the app with error, state and iss', async (t) => {
  const { url, broker } = await setup(t);
  const browser = new TestBrowser();
  const cases = [
    ['unsupported_response_type', url({ extra: { response_type: 'token' } })],
    ['invalid_scope', url({ scope: 'read_events everything' })],
    ['invalid_request', url({ extra: { code_challenge: 'abc', code_challenge_method: 'plain' } })],
    ['invalid_request', url({ providerName: 'myspace' })],
  ] as const;
  for (const [error, target] of cases) {
    const step = await browser.request(target);
    t.equal(step.status, 303, `${error}: redirected`);
    const params = redirectParams(step);
    t.equal(params.get('error'), error);
    t.ok(params.get('error_description'));
    t.equal(params.get('state'), 's1');
    t.equal(params.get('iss'), broker.url);
  }
});

t.test('the user declining at Google sends access_denied to the app', async (t) => {
  const { google, url, broker, accountCount } = await setup(t);
  google.queueConsent({ deny: true });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  const params = redirectParams(final);
  t.equal(params.get('error'), 'access_denied');
  t.equal(params.get('state'), 's1');
  t.equal(params.get('iss'), broker.url);
  t.equal(params.get('code'), null);
  t.equal(google.counts.token_authorization_code, 0, 'no code exchange at Google');
  t.equal(await accountCount(), 0, 'nothing stored');
});

t.test('pressing Cancel on the consent page sends access_denied without visiting Google', async (t) => {
  const { google, url, broker } = await setup(t);
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI, { decision: 'deny' });
  t.equal(redirectParams(final).get('error'), 'access_denied');
  t.equal(google.requests.filter((r) => r.path === '/o/oauth2/v2/auth').length, 0);
});

t.test('no refresh token from Google for a new account: help page, nothing stored, no code', async (t) => {
  const { google, url, broker, accountCount } = await setup(t, { HELP_URL: 'https://help.example.com/reconnect' });
  google.queueConsent({ omitRefreshToken: true });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  t.equal(final.status, 400);
  t.equal(final.location, undefined, 'no redirect to the app');
  t.match(final.body, 'Something went wrong; to fix this please disconnect Google completely then retry');
  t.match(final.body, 'href="https://help.example.com/reconnect"');
  t.equal(await accountCount(), 0, 'no account, profile or credential written');
});

t.test('no refresh token from Google when one is stored for that user: the stored one is kept', async (t) => {
  const { google, url, broker, redeem } = await setup(t);
  const first = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  t.ok(redirectParams(first.final).get('code'));
  google.queueConsent({ omitRefreshToken: true });
  const second = await connectThroughConsent(new TestBrowser(), broker.url, url(), REDIRECT_URI);
  const token = await redeem(redirectParams(second.final).get('code')!);
  t.ok(token.access_token, 'second connection succeeds');
  // Force an upstream refresh: it can only succeed with the refresh token stored by the first connection.
  google.expireAccessTokens();
  const calendars = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(calendars.status, 200);
  t.equal(google.counts.token_refresh, 1, 'refreshed with the kept refresh token');
});

/** Walks consent and Google's consent, stopping at the callback URL Google sends the browser to. */
async function callbackUrl(browser: TestBrowser, brokerUrl: string, authorize: string): Promise<string> {
  const consent = await browser.request(authorize);
  const toGoogle = await browser.request(`${brokerUrl}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  return (await browser.request(toGoogle.location!)).location!;
}

t.test('a replayed Google callback gets the start-again page and no second code', async (t) => {
  const { google, url, broker } = await setup(t);
  const browser = new TestBrowser();
  const callback = await callbackUrl(browser, broker.url, url());
  const first = await browser.request(callback);
  t.equal(first.status, 303);
  const replay = await browser.request(callback);
  t.equal(replay.status, 400);
  t.match(replay.body, /start again/i);
  t.equal(google.counts.token_authorization_code, 1, 'Google token endpoint called once');
});

t.test('a callback presented from another browser is refused before any call to Google', async (t) => {
  const { google, url, broker } = await setup(t);
  const callback = await callbackUrl(new TestBrowser(), broker.url, url());
  const step = await new TestBrowser().request(callback);
  t.equal(step.status, 400);
  t.match(step.body, /another browser/);
  t.equal(google.counts.token_authorization_code, 0);
});

t.test('a consent form without the right CSRF token or cookie is refused with 403', async (t) => {
  const { google, url, broker } = await setup(t);
  const browser = new TestBrowser();
  const consent = await browser.request(url());
  const authorizationId = hiddenInput(consent.body, 'authorization_id');
  const wrongToken = await browser.request(`${broker.url}/oauth/authorize`, { form: { authorization_id: authorizationId, csrf_token: 'forged', provider: 'google' } });
  t.equal(wrongToken.status, 403);
  const otherBrowser = await new TestBrowser().request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: authorizationId, csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  t.equal(otherBrowser.status, 403);
  t.equal(google.requests.length, 0, 'nobody was sent to Google');
  const honest = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: authorizationId, csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  t.equal(honest.status, 303, 'the real form still works afterwards');
});

t.test('calendar permission unticked at Google: the code carries only what was granted', async (t) => {
  const { google, url, broker, redeem } = await setup(t);
  google.queueConsent({ grantedScopes: ['openid', 'https://www.googleapis.com/auth/userinfo.email', 'https://www.googleapis.com/auth/userinfo.profile'] });
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url({ scope: 'read_account list_calendars' }), REDIRECT_URI);
  const token = await redeem(redirectParams(final).get('code')!);
  t.equal(token.scope, 'read_account', 'list_calendars dropped');
  const calendars = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(calendars.status, 403, 'and refused on /v1/calendars');
  google.queueConsent({ grantedScopes: ['openid', 'https://www.googleapis.com/auth/userinfo.email'] });
  const denied = await connectThroughConsent(new TestBrowser(), broker.url, url({ scope: 'list_calendars' }), REDIRECT_URI);
  t.equal(redirectParams(denied.final).get('error'), 'access_denied', 'nothing granted: access_denied');
});
