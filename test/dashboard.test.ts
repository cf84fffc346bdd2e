// The operator's dashboard over real HTTP, with a cookie-carrying browser: sign-in, apps, secrets,
// redirect URIs, verification, connected accounts, CSRF and the pages' security headers.
import { Writable } from 'node:stream';
import { count, eq } from 'drizzle-orm';
import pino from 'pino';
import t, { type Test } from 'tap';
import { hashSecret, randomSecret } from '../src/crypto/tokens.js';
import { loggerOptions } from '../src/logging.js';
import { authorizationCodes } from '../src/oauth/flow-state.js';
import { findApp } from '../src/storage/apps.js';
import { markDisconnected } from '../src/storage/profiles.js';
import { apps, grants } from '../src/storage/schema.js';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.js';
import { TestBrowser, hiddenInput, type Step } from './helpers/browser.js';
import { brokerEnv, startBroker, startBrokerWith, type Broker } from './helpers/broker.js';
import { authorizeUrl } from './helpers/flow.js';
import { REDIRECT_URI, seedApp, seedCode, seedConnection } from './helpers/seed.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';

interface Dashboard {
  broker: Broker;
  browser: TestBrowser;
  csrf: string;
}

function assertPageHeaders(t: Test, step: Step, label: string) {
  t.match(step.headers.get('content-type'), /text\/html/, `${label}: HTML`);
  t.match(step.headers.get('content-security-policy'), /frame-ancestors 'none'/, `${label}: CSP frame-ancestors`);
  t.match(step.headers.get('content-security-policy'), /default-src 'none'/, `${label}: CSP default-src`);
  t.equal(step.headers.get('x-frame-options'), 'DENY', `${label}: X-Frame-Options`);
  t.equal(step.headers.get('cache-control'), 'no-store', `${label}: Cache-Control`);
  t.match(step.body, /<meta name="viewport" content="width=device-width,initial-scale=1">/, `${label}: viewport`);
}

async function signIn(broker: Broker, browser = new TestBrowser()): Promise<Dashboard> {
  const step = await browser.request(`${broker.url}/dashboard/sign-in`, { form: { token: ADMIN_TOKEN } });
  if (step.status !== 303) throw new Error(`sign-in failed: ${step.status}`);
  const page = await browser.request(`${broker.url}/dashboard`);
  return { broker, browser, csrf: hiddenInput(page.body, 'csrf_token') };
}

/** A session outside any cookie jar, for requests TestBrowser cannot make. */
async function rawSession(broker: Broker): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${broker.url}/dashboard/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
    redirect: 'manual',
  });
  const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
  const page = await fetch(`${broker.url}/dashboard`, { headers: { cookie } }).then((r) => r.text());
  return { cookie, csrf: hiddenInput(page, 'csrf_token') };
}

async function dashboard(t: Test, google?: FakeGoogle): Promise<Dashboard> {
  return signIn(await startBroker(t, 'services', google, { ADMIN_TOKEN }));
}

async function createApp(d: Dashboard, form: Record<string, string> = {}) {
  const step = await d.browser.request(`${d.broker.url}/dashboard/apps`, {
    form: { csrf_token: d.csrf, name: 'Planner', redirect_uris: REDIRECT_URI, ...form },
  });
  const clientId = /id="client_id">([^<]+)</.exec(step.body)?.[1];
  const secret = /id="client_secret">([^<]+)</.exec(step.body)?.[1];
  return { step, clientId: clientId!, secret };
}

/** A token request with a code nobody issued: 400 invalid_grant proves the client authenticated, 401 that it did not. */
async function tokenWithWrongCode(broker: Broker, clientId: string, clientSecret: string) {
  const response = await fetch(`${broker.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret }),
  });
  return { status: response.status, error: ((await response.json()) as { error: string }).error };
}

t.test('without ADMIN_TOKEN the dashboard is not there', async (t) => {
  const broker = await startBroker(t, 'services');
  const browser = new TestBrowser();
  t.equal((await browser.request(`${broker.url}/dashboard`)).status, 404);
  t.equal((await browser.request(`${broker.url}/dashboard/sign-in`, { form: { token: ADMIN_TOKEN } })).status, 404);
  t.equal((await browser.request(`${broker.url}/dashboard/apps`, { form: { name: 'x' } })).status, 404);
});

t.test('sign-in: a wrong token is refused, the right one opens a Strict, HttpOnly session', async (t) => {
  const broker = await startBroker(t, 'services', undefined, { ADMIN_TOKEN });
  const browser = new TestBrowser();
  const form = await browser.request(`${broker.url}/dashboard`);
  t.equal(form.status, 200);
  assertPageHeaders(t, form, 'sign-in page');
  t.match(form.body, 'name="token"');

  for (const token of ['wrong-token-0123456789abcdef', '', ADMIN_TOKEN.slice(0, -1)]) {
    const refused = await browser.request(`${broker.url}/dashboard/sign-in`, { form: { token } });
    t.equal(refused.status, 403, `"${token}" refused`);
    t.match(refused.body, 'That admin token is not correct');
    t.equal(refused.headers.getSetCookie().length, 0, 'no session cookie');
  }
  t.notMatch((await browser.request(`${broker.url}/dashboard`)).body, 'Create an app', 'still signed out');

  const accepted = await browser.request(`${broker.url}/dashboard/sign-in`, { form: { token: ADMIN_TOKEN } });
  t.equal(accepted.status, 303);
  t.equal(accepted.location, `${broker.url}/dashboard`);
  const cookie = accepted.headers.getSetCookie()[0] ?? '';
  t.match(cookie, /^calbroker_dashboard=/);
  t.match(cookie, /HttpOnly/i);
  t.match(cookie, /SameSite=Strict/i);
  t.notMatch(cookie, ADMIN_TOKEN, 'the cookie does not carry the token');
  const list = await browser.request(`${broker.url}/dashboard`);
  t.equal(list.status, 200);
  assertPageHeaders(t, list, 'app list');
  t.match(list.body, 'Create an app');
  t.match(list.body, 'Sign out');
});

t.test('an https PUBLIC_URL makes the session cookie __Host- and Secure', async (t) => {
  const env = await brokerEnv(t, 'services', undefined, { ADMIN_TOKEN });
  await startBrokerWith(t, { ...env, PUBLIC_URL: 'https://cal.example.com' });
  const base = `http://127.0.0.1:${env.PORT}`;
  const step = await new TestBrowser().request(`${base}/dashboard/sign-in`, { form: { token: ADMIN_TOKEN } });
  t.equal(step.status, 303);
  const cookie = step.headers.getSetCookie()[0] ?? '';
  t.match(cookie, /^__Host-calbroker_dashboard=/);
  t.match(cookie, /Secure/);
  t.match(cookie, /Path=\//);
  t.notMatch(cookie, /Domain=/i);
});

t.test('failed sign-ins are rate limited per address', async (t) => {
  const broker = await startBroker(t, 'services', undefined, { ADMIN_TOKEN });
  const browser = new TestBrowser();
  for (let i = 0; i < 10; i += 1) {
    t.equal((await browser.request(`${broker.url}/dashboard/sign-in`, { form: { token: `guess-${i}-0123456789abcdef` } })).status, 403);
  }
  const limited = await browser.request(`${broker.url}/dashboard/sign-in`, { form: { token: ADMIN_TOKEN } });
  t.equal(limited.status, 429, 'even the right token waits once the limit is reached');
  t.ok(Number(limited.headers.get('retry-after')) > 0);
  assertPageHeaders(t, limited, '429 page');
  t.match(limited.body, 'Too many failed sign-ins');
});

t.test('create an app: the secret is shown once, the list shows the app, the secret works', async (t) => {
  const d = await dashboard(t);
  const { step, clientId, secret } = await createApp(d, { name: 'Planner <b>' });
  t.equal(step.status, 201);
  assertPageHeaders(t, step, 'created page');
  t.match(clientId, /^app_/);
  t.ok(secret && secret.length >= 43, 'secret shown');
  t.match(step.body, 'Planner &lt;b&gt;');
  t.notMatch(step.body, 'Planner <b>');

  const stored = (await findApp(d.broker.app.db, clientId))!;
  t.equal(stored.secretHash, hashSecret(secret!), 'only a hash is stored');
  t.same(stored.redirectUris, [REDIRECT_URI]);
  t.equal(stored.verified, false);

  const list = await d.browser.request(`${d.broker.url}/dashboard`);
  t.match(list.body, 'Planner &lt;b&gt;');
  t.match(list.body, clientId);
  t.notMatch(list.body, secret!, 'the list does not show the secret');
  const page = await d.browser.request(`${d.broker.url}/dashboard/apps/${clientId}`);
  t.equal(page.status, 200);
  assertPageHeaders(t, page, 'app page');
  t.match(page.body, clientId);
  t.notMatch(page.body, secret!, 'the app page does not show it again');
  t.notMatch(page.body, 'id="client_secret"');

  t.same(await tokenWithWrongCode(d.broker, clientId, secret!), { status: 400, error: 'invalid_grant' });
});

t.test('a public client is created without a secret', async (t) => {
  const d = await dashboard(t);
  const { step, clientId, secret } = await createApp(d, { public_client: 'yes' });
  t.equal(step.status, 201);
  t.equal(secret, undefined);
  t.match(step.body, 'public client');
  t.equal((await findApp(d.broker.app.db, clientId))!.tokenEndpointAuthMethod, 'none');
});

t.test('bad create input re-renders the form with a message and creates nothing', async (t) => {
  const d = await dashboard(t);
  const cases = [
    [{ redirect_uris: 'http://app.example.com/cb' }, 'must use https'],
    [{ redirect_uris: 'https://app.example.com/cb#x' }, 'must not contain a fragment'],
    [{ redirect_uris: 'not a uri' }, 'is not an absolute URI'],
    [{ redirect_uris: '' }, 'at least one redirect URI'],
    [{ name: '   ' }, 'Give the app a name'],
    [{ name: 'x'.repeat(201) }, 'at most 200 characters'],
  ] as const;
  for (const [form, message] of cases) {
    const { step } = await createApp(d, form);
    t.equal(step.status, 400, `${message}: 400`);
    t.match(step.body, message);
    assertPageHeaders(t, step, message);
  }
  const { step } = await createApp(d, { name: 'Keep <me>', redirect_uris: 'ftp://x' });
  t.match(step.body, 'value="Keep &lt;me&gt;"', 'what was typed is kept, escaped');
  t.equal((await d.broker.app.db.select({ n: count() }).from(apps))[0]!.n, 0);
});

t.test('edit redirect URIs; an invalid one is refused with a message', async (t) => {
  const d = await dashboard(t);
  const { clientId } = await createApp(d);
  const url = `${d.broker.url}/dashboard/apps/${clientId}/redirect-uris`;
  const saved = await d.browser.request(url, { form: { csrf_token: d.csrf, redirect_uris: 'https://app.example.com/cb\r\n\r\nhttp://127.0.0.1:8123/cb\nhttps://app.example.com/cb' } });
  t.equal(saved.status, 303);
  t.same((await findApp(d.broker.app.db, clientId))!.redirectUris, ['https://app.example.com/cb', 'http://127.0.0.1:8123/cb'], 'saved, duplicates dropped');
  const page = await d.browser.request(saved.location!);
  t.match(page.body, 'Redirect URIs saved');
  t.match(page.body, 'http://127.0.0.1:8123/cb');

  const refused = await d.browser.request(url, { form: { csrf_token: d.csrf, redirect_uris: 'https://ok.example.com/cb\nhttp://evil.example.com/cb' } });
  t.equal(refused.status, 400);
  assertPageHeaders(t, refused, 'refused redirect URIs');
  t.match(refused.body, '&quot;http://evil.example.com/cb&quot; must use https');
  t.match(refused.body, 'https://ok.example.com/cb\nhttp://evil.example.com/cb</textarea>', 'the typed text is kept for correction');
  t.same((await findApp(d.broker.app.db, clientId))!.redirectUris, ['https://app.example.com/cb', 'http://127.0.0.1:8123/cb'], 'unchanged');

  // A field sent twice is a broken form: 400, never a 500.
  const raw = await rawSession(d.broker);
  const repeated = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: raw.cookie },
    body: `csrf_token=${encodeURIComponent(raw.csrf)}&redirect_uris=https%3A%2F%2Fa.example.com&redirect_uris=https%3A%2F%2Fb.example.com`,
  });
  t.equal(repeated.status, 400);
  t.match(await repeated.text(), 'more than once');
  t.equal((await d.browser.request(`${d.broker.url}/dashboard/apps/app_nothere`)).status, 404);
});

t.test('mark verified: the consent page drops its warning', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  const d = await dashboard(t, google);
  const { clientId } = await createApp(d);
  const consent = () => new TestBrowser().request(authorizeUrl(d.broker.url, { clientId, redirectUri: REDIRECT_URI, scope: 'list_calendars' }));
  t.match((await consent()).body, 'not verified');

  const url = `${d.broker.url}/dashboard/apps/${clientId}/verified`;
  const marked = await d.browser.request(url, { form: { csrf_token: d.csrf, verified: 'true' } });
  t.equal(marked.status, 303);
  t.equal((await findApp(d.broker.app.db, clientId))!.verified, true);
  const page = await d.browser.request(marked.location!);
  t.match(page.body, 'now marked verified');
  t.match(page.body, 'Remove verified mark');
  const after = await consent();
  t.equal(after.status, 200);
  t.notMatch(after.body, 'not verified');

  t.equal((await d.browser.request(url, { form: { csrf_token: d.csrf, verified: 'maybe' } })).status, 400);
  t.equal((await d.browser.request(url, { form: { csrf_token: d.csrf, verified: 'false' } })).status, 303);
  t.equal((await findApp(d.broker.app.db, clientId))!.verified, false);
  t.match((await consent()).body, 'not verified');
});

t.test('rotate the secret: the new one is shown once, and both authenticate', async (t) => {
  const d = await dashboard(t);
  const { clientId, secret: first } = await createApp(d);
  const rotated = await d.browser.request(`${d.broker.url}/dashboard/apps/${clientId}/secret`, { form: { csrf_token: d.csrf } });
  t.equal(rotated.status, 200);
  assertPageHeaders(t, rotated, 'rotated page');
  const second = /id="client_secret">([^<]+)</.exec(rotated.body)?.[1];
  t.ok(second && second !== first, 'a new secret is shown');
  t.notMatch(rotated.body, first!, 'the old secret is not shown');
  t.notMatch((await d.browser.request(`${d.broker.url}/dashboard/apps/${clientId}`)).body, second!, 'shown once');

  t.same(await tokenWithWrongCode(d.broker, clientId, first!), { status: 400, error: 'invalid_grant' }, 'previous secret still works');
  t.same(await tokenWithWrongCode(d.broker, clientId, second!), { status: 400, error: 'invalid_grant' }, 'new secret works');
  t.same(await tokenWithWrongCode(d.broker, clientId, randomSecret()), { status: 401, error: 'invalid_client' }, 'others do not');

  const { clientId: publicId } = await createApp(d, { public_client: 'yes' });
  const refused = await d.browser.request(`${d.broker.url}/dashboard/apps/${publicId}/secret`, { form: { csrf_token: d.csrf } });
  t.equal(refused.status, 400);
  t.match(refused.body, 'no secret to rotate');
});

t.test('a POST without the session CSRF token is refused with 403 and changes nothing', async (t) => {
  const d = await dashboard(t);
  const { clientId, secret } = await createApp(d);
  const before = await findApp(d.broker.app.db, clientId);
  const path = `${d.broker.url}/dashboard/apps/${clientId}`;
  const posts: [string, Record<string, string>][] = [
    [`${d.broker.url}/dashboard/apps`, { name: 'Sneaky', redirect_uris: REDIRECT_URI }],
    [`${path}/redirect-uris`, { redirect_uris: 'https://evil.example.com/cb' }],
    [`${path}/verified`, { verified: 'true' }],
    [`${path}/secret`, {}],
    [`${path}/delete`, { confirm: 'yes' }],
    [`${d.broker.url}/dashboard/sign-out`, {}],
  ];
  const otherSession = await signIn(d.broker);
  for (const [url, form] of posts) {
    for (const [label, browser, token] of [
      ['no token', d.browser, undefined],
      ['wrong token', d.browser, randomSecret()],
      ["another session's token", d.browser, otherSession.csrf],
      ['no session', new TestBrowser(), d.csrf],
    ] as const) {
      const step = await browser.request(url, { form: token === undefined ? form : { ...form, csrf_token: token } });
      t.equal(step.status, 403, `${url.slice(d.broker.url.length)}, ${label}: 403`);
      if (step.status === 403) assertPageHeaders(t, step, `${label} 403`);
    }
  }
  t.same(await findApp(d.broker.app.db, clientId), before, 'the app is unchanged');
  t.equal((await d.broker.app.db.select({ n: count() }).from(apps))[0]!.n, 1, 'nothing created');
  t.same(await tokenWithWrongCode(d.broker, clientId, secret!), { status: 400, error: 'invalid_grant' }, 'the secret still works');
  t.match((await d.browser.request(`${d.broker.url}/dashboard`)).body, 'Sign out', 'still signed in');
});

t.test('delete an app: confirmation required, then it and its grants are gone', async (t) => {
  const d = await dashboard(t);
  const { clientId, secret } = await createApp(d, { name: 'Doomed' });
  const code = await seedCode(d.broker.app, clientId);
  const redeemed = await fetch(`${d.broker.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: secret! }),
  });
  t.equal(redeemed.status, 200);
  const url = `${d.broker.url}/dashboard/apps/${clientId}/delete`;

  const unconfirmed = await d.browser.request(url, { form: { csrf_token: d.csrf } });
  t.equal(unconfirmed.status, 400);
  t.match(unconfirmed.body, 'Tick the box');
  t.ok(await findApp(d.broker.app.db, clientId), 'still there');

  const deleted = await d.browser.request(url, { form: { csrf_token: d.csrf, confirm: 'yes' } });
  t.equal(deleted.status, 303);
  t.equal(await findApp(d.broker.app.db, clientId), undefined);
  t.equal((await d.broker.app.db.select({ n: count() }).from(grants).where(eq(grants.appId, clientId)))[0]!.n, 0, 'grants gone');
  const list = await d.browser.request(deleted.location!);
  t.match(list.body, 'The app was deleted');
  t.notMatch(list.body, 'Doomed');
  t.equal((await d.browser.request(`${d.broker.url}/dashboard/apps/${clientId}`)).status, 404);
  t.equal((await d.browser.request(url, { form: { csrf_token: d.csrf, confirm: 'yes' } })).status, 404, 'deleting again: 404');
  t.equal((await tokenWithWrongCode(d.broker, clientId, secret!)).status, 401, 'its secret no longer authenticates');
});

t.test("an app's accounts and profiles show connected / needs relink", async (t) => {
  const d = await dashboard(t);
  const { clientId, clientSecret } = await seedApp(d.broker.app, 'Seeded');
  const redeem = async (code: string) => {
    const response = await fetch(`${d.broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret }),
    });
    t.equal(response.status, 200);
    return (await response.json()) as { account_id: string; linking_profile: { profile_id: string } };
  };
  const first = await redeem(await seedCode(d.broker.app, clientId));
  // A second person, connected with another Google account.
  const other = await seedConnection(d.broker.app, 'sub-2');
  const code = randomSecret();
  await authorizationCodes.put(d.broker.app.stateStore, code, {
    clientId,
    redirectUri: REDIRECT_URI,
    scope: 'list_calendars',
    accountId: other.accountId,
    profileId: other.profileId,
    expiresAt: Date.now() + 60_000,
  });
  const second = await redeem(code);
  t.not(second.account_id, first.account_id);
  await markDisconnected(d.broker.app.db, first.linking_profile.profile_id);
  // Another app's accounts stay off this page.
  const { clientId: otherApp } = await seedApp(d.broker.app, 'Other');

  const page = await d.browser.request(`${d.broker.url}/dashboard/apps/${clientId}`);
  t.equal(page.status, 200);
  t.match(page.body, 'Connected accounts (2)');
  t.match(page.body, first.account_id);
  t.match(page.body, second.account_id);
  const profileLine = (profileId: string) => new RegExp(`<li>[^<]*<span class="muted">\\(google, <code>${profileId}</code>\\)</span> <span class="status (\\w+)">([^<]+)</span>`).exec(page.body);
  t.equal(profileLine(first.linking_profile.profile_id)?.[2], 'needs relink');
  t.equal(profileLine(second.linking_profile.profile_id)?.[2], 'connected');

  const empty = await d.browser.request(`${d.broker.url}/dashboard/apps/${otherApp}`);
  t.match(empty.body, 'Connected accounts (0)');
  t.notMatch(empty.body, first.account_id);
});

t.test('sign-out ends the session on the server, not only in the browser', async (t) => {
  const d = await dashboard(t);
  const { cookie, csrf } = await rawSession(d.broker);
  const replay = () => fetch(`${d.broker.url}/dashboard`, { headers: { cookie } }).then((r) => r.text());
  t.match(await replay(), 'Create an app', 'the saved cookie is signed in');

  const out = await fetch(`${d.broker.url}/dashboard/sign-out`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrf_token: csrf }),
    redirect: 'manual',
  });
  t.equal(out.status, 303);
  t.notMatch(await replay(), 'Create an app', 'the saved cookie no longer works');
  t.match(await replay(), 'name="token"');
  t.match((await d.browser.request(`${d.broker.url}/dashboard`)).body, 'Create an app', 'other sessions live on');

  const tampered = cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'a' ? 'b' : 'a'}`);
  t.notMatch(await fetch(`${d.broker.url}/dashboard`, { headers: { cookie: tampered } }).then((r) => r.text()), 'Create an app', 'a tampered cookie is refused');
});

t.test('no secret, admin token or session cookie reaches the log', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const env = await brokerEnv(t, 'services', undefined, { ADMIN_TOKEN, LOG_LEVEL: 'debug' });
  const broker = await startBrokerWith(t, env, pino({ ...loggerOptions('debug') }, sink));
  const d = await signIn(broker);
  const { clientId, secret } = await createApp(d);
  const rotated = await d.browser.request(`${broker.url}/dashboard/apps/${clientId}/secret`, { form: { csrf_token: d.csrf } });
  const second = /id="client_secret">([^<]+)</.exec(rotated.body)![1]!;
  await d.browser.request(`${broker.url}/dashboard/sign-in`, { form: { token: 'wrong-token-0123456789abcdef' } });
  const raw = await rawSession(broker);
  const sessionId = decodeURIComponent(raw.cookie.slice(raw.cookie.indexOf('=') + 1)).split('.')[0]!;

  const log = lines.join('');
  t.ok(lines.length > 5, `captured ${lines.length} log lines`);
  t.match(log, 'dashboard created an app');
  for (const [label, value] of [['first secret', secret!], ['rotated secret', second], ['admin token', ADMIN_TOKEN], ['csrf token', d.csrf], ['session id', sessionId]] as const) {
    t.notOk(log.includes(value), `${label} not logged`);
  }
});
