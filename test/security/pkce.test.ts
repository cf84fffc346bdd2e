// Attacks on PKCE (RFC 7636, RFC 9700 2.1.1): downgrades to plain, malformed challenges, verifier
// mismatches at the token endpoint, and public clients that try to skip PKCE.
import t, { type Test } from 'tap';
import { registerClient, type RegisteredClient } from '../helpers/flow.js';
import { pkcePair, seedApp, seedCode, seedPublicApp } from '../helpers/seed.js';
import { assertClean, snapshot } from './clean.js';
import { authorizePairs, brokerWithGoogle, codeThroughFlow, get, rawAuthorizeUrl, REDIRECT_URI, tokenRequest, type Setup } from './support.js';

async function setup(t: Test): Promise<Setup & { client: RegisteredClient }> {
  const setup = await brokerWithGoogle(t);
  const client = await registerClient(setup.broker.url, [REDIRECT_URI]);
  return { ...setup, client };
}

/** Sends an authorize request with extra PKCE pairs; it must come back to the app as invalid_request, cleanly. */
async function assertPkceRefused(t: Test, s: Setup, clientId: string, extra: Array<[string, string]>): Promise<void> {
  const before = await snapshot(s.broker, s.google);
  const step = await get(rawAuthorizeUrl(s.broker.url, [...authorizePairs(clientId, { state: 's1' }), ...extra]));
  t.ok(step.status === 302 || step.status === 303, `redirected back to the app with 302/303 (got ${step.status})`);
  const location = new URL(step.headers.get('location') ?? 'invalid:');
  t.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
  t.equal(location.searchParams.get('error'), 'invalid_request');
  t.equal(location.searchParams.get('state'), 's1');
  t.equal(location.searchParams.get('iss'), s.broker.url);
  t.equal(location.searchParams.get('code'), null);
  t.notMatch(step.body, /name="authorization_id"/, 'no consent page');
  await assertClean(t, s.broker, before, s.google);
}

const { challenge: VALID_CHALLENGE } = pkcePair();

t.test('code_challenge_method=plain is refused with invalid_request (no downgrade from S256)', async (t) => {
  const s = await setup(t);
  const { verifier } = pkcePair();
  // With plain the challenge is the verifier itself (43+ unreserved characters); still refused.
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', verifier], ['code_challenge_method', 'plain']]);
});

t.test('a code_challenge without code_challenge_method (plain by default) is refused', async (t) => {
  const s = await setup(t);
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', VALID_CHALLENGE]]);
});

t.test('code_challenge_method=s256 in lower case is refused (the method is case-sensitive)', async (t) => {
  const s = await setup(t);
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', VALID_CHALLENGE], ['code_challenge_method', 's256']]);
});

t.test('a code_challenge that is too short (42 characters) is refused', async (t) => {
  const s = await setup(t);
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', VALID_CHALLENGE.slice(0, 42)], ['code_challenge_method', 'S256']]);
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', 'abc'], ['code_challenge_method', 'S256']]);
});

t.test('a code_challenge of 44 characters is refused', async (t) => {
  const s = await setup(t);
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', `${VALID_CHALLENGE}A`], ['code_challenge_method', 'S256']]);
});

t.test('a code_challenge with base64 characters (+ / =) instead of base64url is refused', async (t) => {
  const s = await setup(t);
  for (const bad of [`+${VALID_CHALLENGE.slice(1)}`, `/${VALID_CHALLENGE.slice(1)}`, `${VALID_CHALLENGE.slice(0, 42)}=`, `${VALID_CHALLENGE}=`, `${VALID_CHALLENGE.slice(0, 42)}.`]) {
    await assertPkceRefused(t, s, s.client.client_id, [['code_challenge', bad], ['code_challenge_method', 'S256']]);
  }
});

t.test('code_challenge_method without a code_challenge is refused', async (t) => {
  const s = await setup(t);
  await assertPkceRefused(t, s, s.client.client_id, [['code_challenge_method', 'S256']]);
});

t.test('control: a well-formed S256 challenge reaches the consent page', async (t) => {
  const s = await setup(t);
  const step = await get(rawAuthorizeUrl(s.broker.url, [...authorizePairs(s.client.client_id, { state: 's1' }), ['code_challenge', VALID_CHALLENGE], ['code_challenge_method', 'S256']]));
  t.equal(step.status, 200);
  t.match(step.body, /name="authorization_id"/);
});

t.test('token endpoint: a wrong code_verifier is invalid_grant', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId, clientSecret } = await seedApp(broker.app);
  const { challenge } = pkcePair();
  const code = await seedCode(broker.app, clientId, { codeChallenge: challenge });
  const other = pkcePair().verifier;
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret, code_verifier: other });
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
  t.notOk(response.json.access_token);
});

t.test('token endpoint: a missing code_verifier is invalid_grant when a challenge was sent', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId, { codeChallenge: pkcePair().challenge });
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret });
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
  t.notOk(response.json.access_token);
});

t.test('token endpoint: the challenge itself sent as the verifier is invalid_grant', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId, clientSecret } = await seedApp(broker.app);
  const { challenge } = pkcePair();
  const code = await seedCode(broker.app, clientId, { codeChallenge: challenge });
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret, code_verifier: challenge });
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
});

t.test('token endpoint: a code_verifier for a code issued without a challenge is invalid_grant', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId);
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret, code_verifier: pkcePair().verifier });
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
  t.notOk(response.json.access_token);
});

t.test('the challenge sent at authorize binds the code through the whole flow', async (t) => {
  const { broker, client } = await setup(t);
  const { verifier, challenge } = pkcePair();
  const auth = { client_id: client.client_id, client_secret: client.client_secret, grant_type: 'authorization_code', redirect_uri: REDIRECT_URI };
  const stolen = await codeThroughFlow(broker, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1', codeChallenge: challenge });
  const attacker = await tokenRequest(broker, { ...auth, code: stolen, code_verifier: pkcePair().verifier });
  t.same([attacker.status, attacker.json.error], [400, 'invalid_grant'], 'a stolen code is useless without the verifier');

  const code = await codeThroughFlow(broker, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's1', codeChallenge: challenge });
  const honest = await tokenRequest(broker, { ...auth, code, code_verifier: verifier });
  t.equal(honest.status, 200);
  t.ok(honest.json.access_token);
});

t.test('a public client authorizing without PKCE is sent back invalid_request', async (t) => {
  const s = await brokerWithGoogle(t);
  const seeded = await seedPublicApp(s.broker.app);
  await assertPkceRefused(t, s, seeded.clientId, []);

  const response = await fetch(`${s.broker.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Mobile', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' }),
  });
  t.equal(response.status, 201);
  const registered = (await response.json()) as Record<string, unknown>;
  t.equal(registered.client_secret, undefined, 'a public client gets no secret');
  await assertPkceRefused(t, s, registered.client_id as string, []);
});

t.test('a public client redeems with PKCE and no secret (whole flow)', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId } = await seedPublicApp(broker.app);
  const { verifier, challenge } = pkcePair();
  const code = await codeThroughFlow(broker, { clientId, redirectUri: REDIRECT_URI, state: 's1', codeChallenge: challenge });
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier });
  t.equal(response.status, 200);
  t.match(response.json, { token_type: 'bearer', access_token: String, refresh_token: String, expires_in: Number });
});

t.test('a public client redeeming without the verifier is invalid_grant', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId } = await seedPublicApp(broker.app);
  const code = await seedCode(broker.app, clientId, { codeChallenge: pkcePair().challenge });
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId });
  t.same([response.status, response.json.error], [400, 'invalid_grant']);
});

t.test('a public client cannot authenticate with a made-up client_secret (invalid_client)', async (t) => {
  const { broker } = await brokerWithGoogle(t);
  const { clientId } = await seedPublicApp(broker.app);
  const { verifier, challenge } = pkcePair();
  const code = await seedCode(broker.app, clientId, { codeChallenge: challenge });
  const response = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: 'anything', code_verifier: verifier });
  t.same([response.status, response.json.error], [401, 'invalid_client']);
});
