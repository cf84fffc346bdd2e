// Attacks on the hosted pages: framing, third-party content, caching, CORS, cross-site form posts,
// cookie theft or tampering, and markup reflected into HTML.
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/index.js';
import { TestBrowser, hiddenInput } from '../helpers/browser.js';
import { brokerEnv, startBroker, startBrokerWith, type Broker } from '../helpers/broker.js';
import { authorizeUrl, registerClient, type RegisteredClient } from '../helpers/flow.js';
import { REDIS_URL } from '../helpers/services.js';
import { assertClean, snapshot } from './clean.js';

const REDIRECT_URI = 'https://app.example.com/cb';
const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';

interface Setup {
  google: FakeGoogle;
  broker: Broker;
  /** Where the broker really listens (differs from broker.url when PUBLIC_URL is not loopback). */
  base: string;
  client: RegisteredClient;
  url: (more?: Partial<Parameters<typeof authorizeUrl>[1]>) => string;
}

async function setup(t: Test, options: { env?: Record<string, string>; appName?: string } = {}): Promise<Setup> {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 'sub-1', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true }] });
  const env = await brokerEnv(t, 'services', google, options.env);
  const broker = await startBrokerWith(t, env);
  const base = `http://127.0.0.1:${env.PORT}`;
  const client = await registerClient(base, [REDIRECT_URI], options.appName ?? 'Planner');
  const url = (more: Partial<Parameters<typeof authorizeUrl>[1]> = {}) =>
    authorizeUrl(base, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1', ...more });
  return { google, broker, base, client, url };
}

interface Consent {
  status: number;
  headers: Headers;
  body: string;
  setCookies: string[];
  /** name=value as received, ready for a Cookie header. */
  cookie: string;
  cookieName: string;
  cookieValue: string;
  authorizationId: string;
  csrfToken: string;
}

/** Opens the consent page without a cookie jar, keeping the raw Set-Cookie lines. */
async function openConsent(url: string, cookie?: string): Promise<Consent> {
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const body = await response.text();
  const setCookies = response.headers.getSetCookie();
  const pair = (setCookies[0] ?? cookie ?? '').split(';')[0]!;
  const eq = pair.indexOf('=');
  return {
    status: response.status,
    headers: response.headers,
    body,
    setCookies,
    cookie: pair,
    cookieName: pair.slice(0, eq),
    cookieValue: pair.slice(eq + 1),
    authorizationId: response.status === 200 ? hiddenInput(body, 'authorization_id') : '',
    csrfToken: response.status === 200 ? hiddenInput(body, 'csrf_token') : '',
  };
}

async function postConsent(base: string, form: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (cookie !== undefined) headers.cookie = cookie;
  const response = await fetch(`${base}/oauth/authorize`, { method: 'POST', headers, body: new URLSearchParams(form).toString(), redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), headers: response.headers, body: await response.text() };
}

/** Parses a CSP header into directive name -> sources. */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name, ...sources] = part.split(/\s+/);
    directives.set(name!.toLowerCase(), sources);
  }
  return directives;
}

/** The headers every hosted page must carry. */
function assertPageHeaders(t: Test, headers: Headers, label: string) {
  t.match(headers.get('content-type'), /^text\/html/, `${label}: an HTML page`);
  const csp = headers.get('content-security-policy');
  t.ok(csp, `${label}: has a Content-Security-Policy`);
  const directives = parseCsp(csp ?? '');
  t.same(directives.get('frame-ancestors'), ["'none'"], `${label}: frame-ancestors 'none'`);
  t.same(directives.get('default-src'), ["'none'"], `${label}: default-src 'none'`);
  for (const kind of ['script-src', 'script-src-elem', 'script-src-attr']) {
    const sources = directives.get(kind);
    t.ok(sources === undefined || (sources.length === 1 && sources[0] === "'none'"), `${label}: ${kind} allows no script (${sources?.join(' ')})`);
  }
  for (const [name, sources] of directives) {
    if (name === 'form-action') continue;
    const thirdParty = sources.filter((s) => /https?:|:\/\/|^\*$|^data:$|^blob:$|^\*\./i.test(s));
    t.same(thirdParty, [], `${label}: ${name} names no third-party or wildcard source`);
  }
  t.equal(headers.get('x-frame-options'), 'DENY', `${label}: X-Frame-Options DENY`);
  t.equal(headers.get('referrer-policy'), 'no-referrer', `${label}: Referrer-Policy no-referrer`);
  t.equal(headers.get('cache-control'), 'no-store', `${label}: Cache-Control no-store`);
}

/** Walks consent and Google's consent, stopping at the callback URL Google sends the browser to. */
async function callbackUrl(browser: TestBrowser, base: string, authorize: string): Promise<string> {
  const consent = await browser.request(authorize);
  const toGoogle = await browser.request(`${base}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  const back = await browser.request(toGoogle.location!);
  return back.location!;
}

/** Changes the character at `index` to another URL-safe one. */
function flip(value: string, index: number): string {
  const c = value[index]!;
  return value.slice(0, index) + (c === 'A' ? 'B' : 'A') + value.slice(index + 1);
}

// --- Headers of every hosted page ------------------------------------------------------------

t.test('framing, third-party content and caching: the consent page carries the protective headers', async (t) => {
  const { url } = await setup(t);
  const page = await openConsent(url());
  t.equal(page.status, 200);
  assertPageHeaders(t, page.headers, 'consent page');
});

t.test('form hijacking: the consent form may submit only to calbroker and redirect only to the provider sign-in origin', async (t) => {
  const { url, google } = await setup(t);
  const consent = parseCsp((await openConsent(url())).headers.get('content-security-policy') ?? '');
  t.same(consent.get('form-action'), ["'self'", new URL(google.issuer).origin]);
  const error = parseCsp((await openConsent(url({ clientId: 'app_doesnotexist' }))).headers.get('content-security-policy') ?? '');
  t.same(error.get('form-action'), ["'self'"], 'pages without a provider button allow only calbroker');
});

t.test('framing and caching of the unknown-client error page: it carries the protective headers', async (t) => {
  const { url } = await setup(t);
  const page = await openConsent(url({ clientId: 'app_doesnotexist' }));
  t.equal(page.status, 400);
  t.match(page.body, /not registered/);
  assertPageHeaders(t, page.headers, 'unknown client page');
});

t.test('framing and caching of the expired-consent page: it carries the protective headers', async (t) => {
  const { url, broker, base } = await setup(t);
  const page = await openConsent(url());
  // Expire the pending authorization by deleting its state-store key.
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${broker.env.REDIS_KEY_PREFIX}authz:*`);
  t.equal(keys.length, 1, 'one pending authorization');
  await redis.del(...keys);
  await redis.quit();
  const expired = await postConsent(base, { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' }, page.cookie);
  t.equal(expired.status, 400);
  t.equal(expired.location, null, 'no redirect');
  t.match(expired.body, /This page has expired/);
  assertPageHeaders(t, expired.headers, 'expired page');
});

t.test('framing and caching of the start-again page at the Google callback: it carries the protective headers', async (t) => {
  const { base } = await setup(t);
  const response = await fetch(`${base}/google/accounts/connect?state=unknown&code=4/0abc`, { redirect: 'manual' });
  const body = await response.text();
  t.equal(response.status, 400);
  t.match(body, /Please start again/);
  assertPageHeaders(t, response.headers, 'start-again page');
});

// --- CORS ---------------------------------------------------------------------------------------

t.test('cross-origin read of the consent page: no CORS header lets another origin read it', async (t) => {
  const { url } = await setup(t);
  const response = await fetch(url(), { headers: { origin: 'https://evil.example' }, redirect: 'manual' });
  await response.text();
  t.equal(response.status, 200);
  t.equal(response.headers.get('access-control-allow-origin'), null, 'no Access-Control-Allow-Origin');
  t.equal(response.headers.get('access-control-allow-credentials'), null, 'no Access-Control-Allow-Credentials');
});

t.test('CORS preflight for a cross-origin consent POST: nothing is allowed', async (t) => {
  const { base } = await setup(t);
  const response = await fetch(`${base}/oauth/authorize`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  await response.text();
  t.not(response.status, 204, 'no 204 preflight answer');
  t.ok(response.status >= 400, `preflight refused (${response.status})`);
  for (const header of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-allow-credentials']) {
    t.equal(response.headers.get(header), null, `no ${header}`);
  }
});

// --- Cross-site form posts ----------------------------------------------------------------------

t.test('consent POST without a CSRF token: 403, nothing issued, nobody sent to Google', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const page = await openConsent(url());
  const before = await snapshot(broker, google);
  const response = await postConsent(base, { authorization_id: page.authorizationId, provider: 'google' }, page.cookie);
  t.equal(response.status, 403);
  t.equal(response.location, null, 'no redirect');
  t.match(response.body, /Request refused/);
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test('consent POST with a forged CSRF token: 403, nothing issued, nobody sent to Google', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const page = await openConsent(url());
  const before = await snapshot(broker, google);
  for (const forged of ['forged', flip(page.csrfToken, 5), `${page.csrfToken}x`, '']) {
    const response = await postConsent(base, { authorization_id: page.authorizationId, csrf_token: forged, provider: 'google' }, page.cookie);
    t.equal(response.status, 403, `csrf_token "${forged.slice(0, 12)}…": 403`);
    t.equal(response.location, null);
  }
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test('consent POST from a browser without the binding cookie (login CSRF): 403, nothing issued', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const page = await openConsent(url());
  const before = await snapshot(broker, google);
  const response = await postConsent(base, { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' });
  t.equal(response.status, 403);
  t.equal(response.location, null);
  t.same(response.headers.getSetCookie(), [], 'no cookie handed out on the refusal');
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test("consent POST carrying the attacker's own valid cookie and the victim's form: 403, nothing issued", async (t) => {
  const { google, broker, base, url } = await setup(t);
  const victim = await openConsent(url());
  const attacker = await openConsent(url());
  t.not(attacker.cookieValue, victim.cookieValue, 'two browsers, two cookies');
  const before = await snapshot(broker, google);
  const response = await postConsent(base, { authorization_id: victim.authorizationId, csrf_token: victim.csrfToken, provider: 'google' }, attacker.cookie);
  t.equal(response.status, 403);
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test('consent POST mixing the CSRF token of one consent page with another page in the same browser: 403', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const first = await openConsent(url());
  const second = await openConsent(url({ state: 's2' }), first.cookie);
  t.not(second.authorizationId, first.authorizationId);
  const before = await snapshot(broker, google);
  const response = await postConsent(base, { authorization_id: second.authorizationId, csrf_token: first.csrfToken, provider: 'google' }, first.cookie);
  t.equal(response.status, 403);
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

// --- The browser-binding cookie -----------------------------------------------------------------

t.test('cookie theft by script or cross-site sending: the binding cookie is HttpOnly, SameSite=Lax and signed', async (t) => {
  const { url } = await setup(t);
  const page = await openConsent(url());
  t.equal(page.setCookies.length, 1, 'one cookie');
  const line = page.setCookies[0]!;
  t.equal(page.cookieName, 'calbroker_browser');
  t.match(line, /;\s*HttpOnly(;|$)/i, 'HttpOnly');
  t.match(line, /;\s*SameSite=Lax(;|$)/i, 'SameSite=Lax');
  t.match(line, /;\s*Path=\/(;|$)/i, 'Path=/');
  t.notMatch(line, /;\s*Domain=/i, 'host-only');
  const value = decodeURIComponent(page.cookieValue);
  t.match(value, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]{43}$/, 'value.signature (HMAC-SHA256)');
});

t.test('cookie tossing on an https deployment: the cookie is __Host- prefixed, Secure, Path=/ and host-only', async (t) => {
  const { google, base, url } = await setup(t, { env: { PUBLIC_URL: 'https://cal.example.com' } });
  const page = await openConsent(url());
  t.equal(page.status, 200);
  t.equal(page.setCookies.length, 1, 'one cookie');
  const line = page.setCookies[0]!;
  t.equal(page.cookieName, '__Host-calbroker_browser');
  t.match(line, /;\s*Secure(;|$)/i, 'Secure');
  t.match(line, /;\s*Path=\/(;|$)/i, 'Path=/');
  t.notMatch(line, /;\s*Domain=/i, 'no Domain');
  t.match(line, /;\s*HttpOnly(;|$)/i, 'HttpOnly');
  t.match(line, /;\s*SameSite=Lax(;|$)/i, 'SameSite=Lax');
  t.match(decodeURIComponent(page.cookieValue), /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]{43}$/, 'signed');
  const response = await postConsent(base, { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' }, page.cookie);
  t.equal(response.status, 303, 'the __Host- cookie is accepted');
  t.ok(response.location?.startsWith(`${google.issuer}/o/oauth2/v2/auth?`), 'sent to Google');
  t.equal(new URL(response.location!).searchParams.get('redirect_uri'), 'https://cal.example.com/google/accounts/connect');
});

t.test('cookie tossing on an https deployment: the same value under the unprefixed name is refused with 403', async (t) => {
  const { google, broker, base, url } = await setup(t, { env: { PUBLIC_URL: 'https://cal.example.com' } });
  const page = await openConsent(url());
  t.equal(page.cookieName, '__Host-calbroker_browser');
  const before = await snapshot(broker, google);
  const response = await postConsent(
    base,
    { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' },
    `calbroker_browser=${page.cookieValue}`,
  );
  t.equal(response.status, 403);
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test('tampered cookie value (one character changed, signature kept): consent POST 403', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const page = await openConsent(url());
  const raw = decodeURIComponent(page.cookieValue);
  const dot = raw.lastIndexOf('.');
  const tampered = flip(raw.slice(0, dot), 10) + raw.slice(dot);
  const before = await snapshot(broker, google);
  const response = await postConsent(
    base,
    { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' },
    `${page.cookieName}=${encodeURIComponent(tampered)}`,
  );
  t.equal(response.status, 403);
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test('tampered cookie signature (one character changed): consent POST 403', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const page = await openConsent(url());
  const raw = decodeURIComponent(page.cookieValue);
  const dot = raw.lastIndexOf('.');
  const before = await snapshot(broker, google);
  for (const index of [dot + 1, dot + 10, raw.length - 1]) {
    const tampered = flip(raw, index);
    const response = await postConsent(
      base,
      { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' },
      `${page.cookieName}=${encodeURIComponent(tampered)}`,
    );
    t.equal(response.status, 403, `signature character ${index - dot - 1} changed: 403`);
  }
  await assertClean(t, broker, before, google);
  t.equal(google.requests.length, 0, 'no request reached Google');
});

t.test('unsigned cookie (the value without its signature, or a forged one): consent POST 403', async (t) => {
  const { google, broker, base, url } = await setup(t);
  const page = await openConsent(url());
  const raw = decodeURIComponent(page.cookieValue);
  const unsigned = raw.slice(0, raw.lastIndexOf('.'));
  const before = await snapshot(broker, google);
  for (const value of [unsigned, `${unsigned}.`, `${unsigned}.AAAA`]) {
    const response = await postConsent(
      base,
      { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' },
      `${page.cookieName}=${encodeURIComponent(value)}`,
    );
    t.equal(response.status, 403, `cookie "${value.slice(-6)}": 403`);
  }
  await assertClean(t, broker, before, google);
  // The genuine cookie still works: the refusals were about the cookie, not a broken flow.
  const honest = await postConsent(base, { authorization_id: page.authorizationId, csrf_token: page.csrfToken, provider: 'google' }, page.cookie);
  t.equal(honest.status, 303);
});

// --- Markup reflected into HTML -----------------------------------------------------------------

t.test('stored XSS through the app name: it is escaped on the consent page', async (t) => {
  for (const name of [SCRIPT, `Evil ${IMG}`]) {
    const { url } = await setup(t, { appName: name });
    const page = await openConsent(url());
    t.equal(page.status, 200);
    t.notOk(page.body.includes(name), `raw name ${JSON.stringify(name)} absent`);
    t.notMatch(page.body, /<script/i, 'no script element');
    t.notMatch(page.body, /<img/i, 'no img element');
    const escaped = name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    t.ok(page.body.includes(escaped), `escaped name shown: ${escaped}`);
  }
});

t.test('reflected XSS through client_id, redirect_uri and state on the authorize error pages: never unescaped', async (t) => {
  const { base, client, url } = await setup(t);
  const targets = [
    authorizeUrl(base, { clientId: SCRIPT, redirectUri: REDIRECT_URI, state: SCRIPT }),
    authorizeUrl(base, { clientId: client.client_id, redirectUri: `https://app.example.com/${IMG}`, state: 's' }),
    `${base}/oauth/authorize?response_type=code&client_id=${encodeURIComponent(IMG)}`,
    url({ clientId: `${client.client_id}${SCRIPT}` }),
  ];
  for (const target of targets) {
    const response = await fetch(target, { redirect: 'manual' });
    const body = await response.text();
    t.equal(response.status, 400, 'a 400 page');
    t.equal(response.headers.get('location'), null, 'no redirect');
    t.notMatch(body, /<script/i, 'no script element');
    t.notMatch(body, /<img/i, 'no img element');
  }
});

t.test("markup in Google's error_description on the callback never appears unescaped in any page", async (t) => {
  const { base, url, google, broker } = await setup(t);
  const markup = `${SCRIPT}${IMG}`;
  const withError = (callback: string, params: Record<string, string | null>) => {
    const u = new URL(callback);
    for (const key of ['code', 'scope', 'authuser', 'prompt']) u.searchParams.delete(key);
    for (const [key, value] of Object.entries(params)) {
      if (value === null) u.searchParams.delete(key);
      else u.searchParams.set(key, value);
    }
    return u.href;
  };
  const bodies: Array<[string, string]> = [];

  // The real browser and its real state; Google's error (or markup posing as one) with a hostile description.
  for (const [label, error, relayed] of [
    ['access_denied', 'access_denied', 'access_denied'],
    ['server_error', 'server_error', 'server_error'],
    ['markup as the error code', markup, 'server_error'],
  ] as const) {
    const browser = new TestBrowser();
    const callback = await callbackUrl(browser, base, url());
    const step = await browser.request(withError(callback, { error, error_description: markup }));
    bodies.push([label, step.body]);
    t.equal(step.status, 303, `${label}: goes back to the app`);
    const params = new URL(step.location!).searchParams;
    t.equal(params.get('error'), relayed, `${label}: relayed as ${relayed}`);
    t.equal(params.get('state'), 's1');
    t.equal(params.get('iss'), broker.url);
    t.equal(params.get('code'), null);
    t.notOk(params.get('error_description')?.includes('<'), `${label}: Google's markup is not relayed to the app`);
  }
  // Pages: unknown state, no state, and another browser (last: it uses up the state).

  {
    const browser = new TestBrowser();
    const callback = await callbackUrl(browser, base, url());
    for (const [label, target, from] of [
      ['unknown state', withError(callback, { state: 'unknown', error: 'access_denied', error_description: markup }), browser],
      ['no state', withError(callback, { state: null, error: 'access_denied', error_description: markup }), browser],
      ['another browser', withError(callback, { error: 'access_denied', error_description: markup }), new TestBrowser()],
    ] as const) {
      const step = await from.request(target);
      bodies.push([label, step.body]);
      t.equal(step.status, 400, `${label}: a 400 page`);
      t.match(step.headers.get('content-type'), /^text\/html/, `${label}: HTML`);
    }
  }
  t.equal(google.counts.token_authorization_code, 0, 'no code exchanged at Google');
  for (const [label, body] of bodies) {
    t.notOk(body.includes(SCRIPT), `${label}: no raw script`);
    t.notOk(body.includes('<img'), `${label}: no raw img`);
    t.notMatch(body, /<script/i, `${label}: no script element at all`);
  }
});
