// Attacks on redirect_uri matching: every near miss of a registered URI must get the 400 page, never
// a redirect (RFC 6749 4.1.2.1, RFC 9700 2.1: exact string comparison), and must leave nothing behind.
import t, { type Test } from 'tap';
import type { Step } from '../helpers/browser.js';
import { registerClient } from '../helpers/flow.js';
import { assertClean, snapshot } from './clean.js';
import { authorizePairs, brokerWithGoogle, get, rawAuthorizeUrl, REDIRECT_URI } from './support.js';

const { google, broker } = await brokerWithGoogle(t);
const client = await registerClient(broker.url, [REDIRECT_URI]);

/** The refusal page: 400, HTML, no Location, not the consent form, not cached. */
function assertRefusedPage(t: Test, step: Step): void {
  t.equal(step.status, 400, 'status 400');
  t.equal(step.location, undefined, 'no Location header: never a redirect');
  t.equal(step.headers.get('location'), null, 'no Location header at all');
  t.match(step.headers.get('content-type'), /^text\/html/, 'an HTML page');
  t.match(step.body, 'This link is not valid', 'the invalid-link page');
  t.notMatch(step.body, /authorization_id|csrf_token/, 'not the consent form');
  t.notMatch(step.body, /http-equiv="?refresh/i, 'no meta refresh either');
  t.equal(step.headers.get('cache-control'), 'no-store');
}

/** Requests an authorize URL that must be refused, and checks the refusal is a clean 400 page. */
async function assertRefused(t: Test, url: string): Promise<void> {
  const before = await snapshot(broker, google);
  const step = await get(url);
  assertRefusedPage(t, step);
  t.equal(step.headers.get('set-cookie'), null, 'no browser-binding cookie set');
  await assertClean(t, broker, before, google);
}

t.test('control: the exact registered redirect_uri reaches the consent page', async (t) => {
  const before = await snapshot(broker, google);
  const step = await get(rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { state: 's' })));
  t.equal(step.status, 200);
  t.match(step.body, /name="authorization_id"/);
  const after = await snapshot(broker, google);
  const stored = after.redisKeys.filter((k) => !before.redisKeys.includes(k) && !/:lock:|:rate:/.test(k));
  t.equal(stored.length, 1, 'the consent page stored its pending authorization');
  t.match(stored[0], /:authz:/);
  t.equal(after.upstreamRequests, before.upstreamRequests, 'no upstream call before the user chooses');
});

const NEAR_MISSES: Array<[string, string]> = [
  ['a trailing slash', 'https://app.example.com/cb/'],
  ['an extra path segment', 'https://app.example.com/cb/extra'],
  ['an added query', 'https://app.example.com/cb?next=https://evil.example.com'],
  ['an empty query (a bare "?")', 'https://app.example.com/cb?'],
  ['a fragment', 'https://app.example.com/cb#frag'],
  ['an upper-case host', 'https://APP.EXAMPLE.COM/cb'],
  ['an upper-case path', 'https://app.example.com/CB'],
  ['an explicit default port :443', 'https://app.example.com:443/cb'],
  ['a percent-encoded path (/c%62)', 'https://app.example.com/c%62'],
  ['a dot segment (/x/../cb)', 'https://app.example.com/x/../cb'],
  ['userinfo (https://evil@app.example.com/cb)', 'https://evil@app.example.com/cb'],
  ['a suffixed host (app.example.com.evil.com)', 'https://app.example.com.evil.com/cb'],
  ['the http scheme instead of https', 'http://app.example.com/cb'],
  ['leading whitespace', ' https://app.example.com/cb'],
];

for (const [label, uri] of NEAR_MISSES) {
  t.test(`redirect_uri with ${label} is refused without redirecting`, async (t) => {
    await assertRefused(t, rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { redirectUri: uri, state: 's' })));
  });
}

t.test('a missing redirect_uri is refused without redirecting when several are registered', async (t) => {
  const several = await registerClient(broker.url, [REDIRECT_URI, 'https://app.example.com/other', 'http://127.0.0.1:8123/cb'], 'Several');
  const pairs = authorizePairs(several.client_id, { state: 's' }).filter(([name]) => name !== 'redirect_uri');
  await assertRefused(t, rawAuthorizeUrl(broker.url, pairs));
});

t.test('an empty redirect_uri= is refused without redirecting (counts as missing)', async (t) => {
  await assertRefused(t, rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { redirectUri: '', state: 's' })));
});

t.test("another app's registered redirect_uri is refused without redirecting", async (t) => {
  await registerClient(broker.url, ['https://evil.example.com/cb'], 'Evil');
  await assertRefused(t, rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { redirectUri: 'https://evil.example.com/cb', state: 's' })));
});

t.test('an unknown client_id is refused without redirecting, even to a registered redirect_uri', async (t) => {
  await assertRefused(t, rawAuthorizeUrl(broker.url, authorizePairs('app_doesnotexist', { state: 's' })));
});

t.test('a near-miss redirect_uri is refused before any other error could redirect', async (t) => {
  // Bad response_type and scope would be redirectable errors; the unregistered redirect_uri must win.
  const pairs: Array<[string, string]> = [
    ['response_type', 'token'],
    ['client_id', client.client_id],
    ['redirect_uri', 'https://app.example.com/cb/'],
    ['scope', 'everything'],
    ['state', 's'],
  ];
  await assertRefused(t, rawAuthorizeUrl(broker.url, pairs));
});

async function register(redirectUris: unknown) {
  const response = await fetch(`${broker.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Attacker', redirect_uris: redirectUris }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

t.test('registration refuses a redirect_uri with a fragment (invalid_redirect_uri)', async (t) => {
  const before = await snapshot(broker, google);
  const response = await register(['https://app.example.com/cb#frag']);
  t.equal(response.status, 400);
  t.equal(response.body.error, 'invalid_redirect_uri');
  t.notOk(response.body.client_id, 'no client issued');
  await assertClean(t, broker, before, google);
});

t.test('registration refuses an empty fragment ("#") too', async (t) => {
  const response = await register(['https://app.example.com/cb#']);
  t.same([response.status, response.body.error], [400, 'invalid_redirect_uri']);
});

t.test('registration refuses a plain-http redirect_uri on a non-loopback host (invalid_redirect_uri)', async (t) => {
  const before = await snapshot(broker, google);
  for (const uri of ['http://app.example.com/cb', 'http://10.0.0.1/cb', 'http://localhost.evil.com/cb', 'http://127.0.0.1.evil.com/cb']) {
    const response = await register([uri]);
    t.same([response.status, response.body.error], [400, 'invalid_redirect_uri'], uri);
  }
  await assertClean(t, broker, before, google);
});

t.test('registration with one bad redirect_uri among good ones is refused as a whole', async (t) => {
  const before = await snapshot(broker, google);
  const response = await register([REDIRECT_URI, 'http://app.example.com/cb']);
  t.same([response.status, response.body.error], [400, 'invalid_redirect_uri']);
  await assertClean(t, broker, before, google);
});

t.test('control: registration accepts plain http on loopback', async (t) => {
  const response = await register(['http://127.0.0.1:8123/cb', 'http://localhost:8080/cb']);
  t.equal(response.status, 201);
});
