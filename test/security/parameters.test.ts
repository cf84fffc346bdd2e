// Attacks on the authorize request's parameters (RFC 6749 3.1, 4.1.2.1; RFC 9207 iss): repeats, empty
// values, unknown parameters, unsupported response types, hostile state values, and the shape of redirects.
import t, { type Test } from 'tap';
import { hiddenInput, TestBrowser, type Step } from '../helpers/browser.js';
import { authorizeUrl, registerClient, type RegisteredClient } from '../helpers/flow.js';
import { assertClean, snapshot } from './clean.js';
import { authorizePairs, brokerWithGoogle, fullFlow, get, rawAuthorizeUrl, REDIRECT_URI, type Setup } from './support.js';

async function setup(t: Test): Promise<Setup & { client: RegisteredClient }> {
  const setup = await brokerWithGoogle(t);
  const client = await registerClient(setup.broker.url, [REDIRECT_URI]);
  return { ...setup, client };
}

/** A 2 KiB state made of the characters most likely to be mangled by sloppy encoding. */
const HOSTILE_STATE = (() => {
  const alphabet = '&#+=/%&#+=/%%2B%26%25 ?a;b';
  let out = '';
  for (let i = 0; out.length < 2048; i += 1) out += alphabet[i % alphabet.length];
  return out;
})();

/** The query of a redirect to the app, read from the raw Location header. */
function appRedirect(t: Test, step: Step, brokerUrl: string): URLSearchParams {
  t.ok(step.status === 302 || step.status === 303, `redirect status is 302 or 303 (got ${step.status})`);
  t.not(step.status, 307, 'never 307 (it would replay a POST body)');
  const raw = step.headers.get('location');
  t.ok(raw, 'a Location header');
  const location = new URL(raw ?? 'invalid:');
  t.equal(`${location.origin}${location.pathname}`, REDIRECT_URI, 'to the registered redirect_uri');
  t.equal(location.hash, '', 'nothing in a fragment');
  t.equal(location.searchParams.get('iss'), brokerUrl, 'iss is the broker URL (RFC 9207)');
  t.equal(location.searchParams.getAll('iss').length, 1, 'exactly one iss');
  return location.searchParams;
}

/** An error redirect: `error`, an `error_description`, no code or token. */
function assertErrorRedirect(t: Test, step: Step, brokerUrl: string, error: string): URLSearchParams {
  const params = appRedirect(t, step, brokerUrl);
  t.equal(params.get('error'), error, `error=${error}`);
  t.ok(params.get('error_description'), 'an error_description');
  t.equal(params.get('code'), null, 'no code');
  t.equal(params.get('access_token'), null, 'no token');
  return params;
}

function assertRefusedPage(t: Test, step: Step): void {
  t.equal(step.status, 400);
  t.equal(step.headers.get('location'), null, 'no Location header: never a redirect');
  t.match(step.headers.get('content-type'), /^text\/html/);
  t.notMatch(step.body, /name="authorization_id"/, 'not the consent page');
}

t.test('a repeated client_id is refused with the 400 page, without redirecting', async (t) => {
  const { broker, google, client } = await setup(t);
  const other = await registerClient(broker.url, [REDIRECT_URI], 'Other');
  for (const [label, second] of [['same value twice', client.client_id], ['two different clients', other.client_id]] as const) {
    const pairs = authorizePairs(client.client_id, { state: 's1' });
    pairs.push(['client_id', second]);
    const before = await snapshot(broker, google);
    assertRefusedPage(t, await get(rawAuthorizeUrl(broker.url, pairs)));
    await assertClean(t, broker, before, google, label);
  }
});

t.test('a repeated redirect_uri is refused with the 400 page, without redirecting', async (t) => {
  const { broker, google, client } = await setup(t);
  for (const [label, second] of [['same value twice', REDIRECT_URI], ['registered then attacker', 'https://evil.example.com/cb']] as const) {
    const pairs = authorizePairs(client.client_id, { state: 's1' });
    pairs.push(['redirect_uri', second]);
    const before = await snapshot(broker, google);
    assertRefusedPage(t, await get(rawAuthorizeUrl(broker.url, pairs)));
    await assertClean(t, broker, before, google, label);
  }
});

for (const name of ['scope', 'response_type'] as const) {
  t.test(`a repeated ${name} is sent back to the app as invalid_request, with the state`, async (t) => {
    const { broker, google, client } = await setup(t);
    const pairs = authorizePairs(client.client_id, { state: 's1' });
    pairs.push([name, name === 'scope' ? 'read_events' : 'code']);
    const before = await snapshot(broker, google);
    const params = assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, pairs)), broker.url, 'invalid_request');
    t.equal(params.get('state'), 's1', 'state returned');
    await assertClean(t, broker, before, google);
  });
}

t.test('a repeated state is sent back as invalid_request with no state at all', async (t) => {
  const { broker, google, client } = await setup(t);
  const pairs = authorizePairs(client.client_id, { state: 'first' });
  pairs.push(['state', 'second']);
  const before = await snapshot(broker, google);
  const params = assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, pairs)), broker.url, 'invalid_request');
  t.equal(params.has('state'), false, 'state omitted: neither value is echoed');
  await assertClean(t, broker, before, google);
});

t.test('unknown parameters are ignored: the consent page is shown', async (t) => {
  const { broker, client } = await setup(t);
  const pairs = authorizePairs(client.client_id, { state: 's1' });
  pairs.push(['foo', 'bar'], ['x-unknown', '<script>alert(1)</script>'], ['utm_source', 'mail'], ['foo', 'repeated-unknown']);
  const step = await get(rawAuthorizeUrl(broker.url, pairs));
  t.equal(step.status, 200);
  t.match(step.body, /name="authorization_id"/, 'the consent page');
  t.notMatch(step.body, '<script>alert(1)</script>', 'unknown values are not reflected raw');
});

t.test('an empty scope= counts as absent: invalid_scope back to the app', async (t) => {
  const { broker, google, client } = await setup(t);
  const before = await snapshot(broker, google);
  const params = assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { scope: '', state: 's1' }))), broker.url, 'invalid_scope');
  t.equal(params.get('state'), 's1');
  const missing = authorizePairs(client.client_id, { state: 's1' }).filter(([name]) => name !== 'scope');
  assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, missing)), broker.url, 'invalid_scope');
  await assertClean(t, broker, before, google);
});

t.test('an unknown scope word is invalid_scope, not silently dropped', async (t) => {
  const { broker, google, client } = await setup(t);
  const before = await snapshot(broker, google);
  assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { scope: 'read_account admin', state: 's1' }))), broker.url, 'invalid_scope');
  await assertClean(t, broker, before, google);
});

t.test('response_type=token (implicit grant) is refused with unsupported_response_type', async (t) => {
  const { broker, google, client } = await setup(t);
  const pairs = authorizePairs(client.client_id, { state: 's1' }).map(([k, v]): [string, string] => (k === 'response_type' ? [k, 'token'] : [k, v]));
  const before = await snapshot(broker, google);
  const params = assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, pairs)), broker.url, 'unsupported_response_type');
  t.equal(params.get('state'), 's1');
  await assertClean(t, broker, before, google);
});

t.test('a missing or empty response_type is invalid_request', async (t) => {
  const { broker, client } = await setup(t);
  const missing = authorizePairs(client.client_id, { state: 's1' }).filter(([k]) => k !== 'response_type');
  assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, missing)), broker.url, 'invalid_request');
  const empty = authorizePairs(client.client_id, { state: 's1' }).map(([k, v]): [string, string] => (k === 'response_type' ? [k, ''] : [k, v]));
  assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, empty)), broker.url, 'invalid_request');
});

t.test('a 2 KiB state full of &#+=/% comes back byte-identical on success (whole flow)', async (t) => {
  const { broker, client } = await setup(t);
  t.equal(HOSTILE_STATE.length, 2048);
  const { consent, final } = await fullFlow(broker, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: HOSTILE_STATE });
  t.equal(consent.status, 200, 'consent page shown');
  const params = appRedirect(t, final, broker.url);
  t.ok(params.get('code'), 'a code');
  t.equal(params.get('state'), HOSTILE_STATE, 'state byte-identical');
  t.equal(params.getAll('state').length, 1, 'one state');
  t.equal(params.get('error'), null);
});

t.test('a 2 KiB state full of &#+=/% comes back byte-identical on an error', async (t) => {
  const { broker, client } = await setup(t);
  const params = assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { scope: 'nope', state: HOSTILE_STATE }))), broker.url, 'invalid_scope');
  t.equal(params.get('state'), HOSTILE_STATE, 'state byte-identical');
  t.equal(params.getAll('state').length, 1, 'one state');
  t.equal(params.getAll('error').length, 1, 'the state did not smuggle in a second error');
});

t.test('no state sent: none comes back, on success or error', async (t) => {
  const { broker, client } = await setup(t);
  const { final } = await fullFlow(broker, { clientId: client.client_id, redirectUri: REDIRECT_URI });
  t.equal(appRedirect(t, final, broker.url).has('state'), false, 'success: no state');
  const error = assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { scope: 'nope' }))), broker.url, 'invalid_scope');
  t.equal(error.has('state'), false, 'error: no state');
});

t.test('every authorization response, success or error, carries iss equal to the broker URL', async (t) => {
  const { broker, client } = await setup(t);
  const success = await fullFlow(broker, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1' });
  t.ok(appRedirect(t, success.final, broker.url).get('code'), 'success with iss');

  const browser = new TestBrowser();
  const consent = await browser.request(authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1' }));
  const denied = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), decision: 'deny' },
  });
  assertErrorRedirect(t, denied, broker.url, 'access_denied');

  const errors: Array<[string, Array<[string, string]>]> = [
    ['invalid_scope', authorizePairs(client.client_id, { scope: 'nope', state: 's1' })],
    ['unsupported_response_type', authorizePairs(client.client_id, { state: 's1' }).map(([k, v]): [string, string] => (k === 'response_type' ? [k, 'id_token'] : [k, v]))],
    ['invalid_request', [...authorizePairs(client.client_id, { state: 's1' }), ['code_challenge_method', 'S256']]],
    ['invalid_request', [...authorizePairs(client.client_id, { state: 's1' }), ['provider_name', 'myspace']]],
  ];
  for (const [error, pairs] of errors) assertErrorRedirect(t, await get(rawAuthorizeUrl(broker.url, pairs)), broker.url, error);
});

t.test('every redirect of the hosted flow is 302 or 303, never 307', async (t) => {
  const { broker, client } = await setup(t);
  const browser = new TestBrowser();
  const consent = await browser.request(authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1' }));
  t.equal(consent.status, 200);
  const toGoogle = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  t.equal(toGoogle.status, 303, 'the consent POST answers 303 (a 307 would re-POST the form to the provider)');
  const fromGoogle = await browser.request(toGoogle.location!);
  t.ok(fromGoogle.location?.startsWith(`${broker.url}/google/accounts/connect`), 'the fake Google sends the browser back');
  const toApp = await browser.request(fromGoogle.location!);
  t.ok(toApp.status === 302 || toApp.status === 303, `the callback's redirect to the app is 302/303 (got ${toApp.status})`);
  appRedirect(t, toApp, broker.url);

  const error = await browser.request(rawAuthorizeUrl(broker.url, authorizePairs(client.client_id, { scope: 'nope', state: 's1' })));
  t.ok(error.status === 302 || error.status === 303, `an authorize error redirect is 302/303 (got ${error.status})`);
});
