// POST /oauth/token and /oauth/token/revoke: client authentication, grants and RFC 6749 errors.
import t from 'tap';
import { startBroker } from './helpers/broker.js';
import { pkcePair, REDIRECT_URI, seedApp, seedCode } from './helpers/seed.js';

type Broker = Awaited<ReturnType<typeof startBroker>>;

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function token(broker: Broker, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return broker.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: form(fields),
  });
}

t.test('client authentication', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const grant = { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT_URI };

  const none = await token(broker, grant);
  t.equal(none.statusCode, 401);
  t.equal(none.json().error, 'invalid_client');

  const wrongBasic = await token(broker, grant, { authorization: basic(clientId, 'wrong') });
  t.equal(wrongBasic.statusCode, 401);
  t.match(wrongBasic.headers['www-authenticate'], /^Basic /, 'Basic challenge after failed Basic');

  const wrongPost = await token(broker, { ...grant, client_id: clientId, client_secret: 'wrong' });
  t.equal(wrongPost.statusCode, 401);
  t.equal(wrongPost.headers['www-authenticate'], undefined);

  const unknown = await token(broker, { ...grant, client_id: 'app_unknown', client_secret: clientSecret });
  t.same(unknown.json(), wrongPost.json(), 'unknown client looks exactly like a wrong secret');

  const both = await token(broker, { ...grant, client_secret: clientSecret }, { authorization: basic(clientId, clientSecret) });
  t.equal(both.statusCode, 400);
  t.equal(both.json().error, 'invalid_request', 'credentials in two places');

  const mismatch = await token(broker, { ...grant, client_id: 'app_other' }, { authorization: basic(clientId, clientSecret) });
  t.equal(mismatch.json().error, 'invalid_request', 'body client_id differs from Basic');

  const viaBasic = await token(broker, grant, { authorization: basic(clientId, clientSecret) });
  t.equal(viaBasic.json().error, 'invalid_grant', 'Basic authenticates; the bogus code is then refused');

  const sdkStyle = await token(broker, { ...grant, client_id: clientId, client_secret: clientSecret }, { authorization: 'Bearer undefined' });
  t.equal(sdkStyle.json().error, 'invalid_grant', '"Bearer undefined" is ignored, body credentials used');
  t.equal(sdkStyle.headers['cache-control'], 'no-store', 'errors are not cached either');
});

t.test('request shape errors are RFC 6749 JSON, never a 500', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const auth = { client_id: clientId, client_secret: clientSecret };

  const noGrant = await token(broker, auth);
  t.same([noGrant.statusCode, noGrant.json().error], [400, 'invalid_request']);
  const badGrant = await token(broker, { ...auth, grant_type: 'password' });
  t.same([badGrant.statusCode, badGrant.json().error], [400, 'unsupported_grant_type']);
  const protoGrant = await token(broker, { ...auth, grant_type: 'constructor' });
  t.equal(protoGrant.json().error, 'unsupported_grant_type', 'no prototype lookups');

  const repeated = await broker.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `${form(auth)}&grant_type=authorization_code&grant_type=refresh_token`,
  });
  t.same([repeated.statusCode, repeated.json().error], [400, 'invalid_request'], 'repeated parameter');

  const plain = await broker.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
  t.ok(plain.statusCode >= 400 && plain.statusCode < 500, `text/plain is a 4xx (${plain.statusCode})`);
  t.equal(plain.json().error, 'invalid_request');

  const badJson = await broker.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":' });
  t.same([badJson.statusCode, badJson.json().error], [400, 'invalid_request'], 'malformed JSON');

  const nested = await broker.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: { ...auth, grant_type: { $ne: 1 } } });
  t.same([nested.statusCode, nested.json().error], [400, 'invalid_request'], 'nested JSON value');

  const arrayBody = await broker.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '[1,2]' });
  t.same([arrayBody.statusCode, arrayBody.json().error], [400, 'invalid_request'], 'JSON array body');
});

t.test('authorization_code: JSON body, Cronofy response, single use, bindings', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const other = await seedApp(broker.app, 'Other');
  const code = await seedCode(broker.app, clientId);

  const wrongClient = await token(broker, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: other.clientId, client_secret: other.clientSecret });
  t.equal(wrongClient.json().error, 'invalid_grant', 'code bound to its client');

  const code2 = await seedCode(broker.app, clientId);
  const wrongRedirect = await token(broker, { grant_type: 'authorization_code', code: code2, redirect_uri: `${REDIRECT_URI}/`, client_id: clientId, client_secret: clientSecret });
  t.equal(wrongRedirect.json().error, 'invalid_grant', 'code bound to its redirect_uri');

  const code3 = await seedCode(broker.app, clientId);
  const ok = await broker.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: { grant_type: 'authorization_code', code: code3, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret },
  });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['cache-control'], 'no-store');
  t.equal(ok.headers.pragma, 'no-cache');
  t.match(ok.json(), { token_type: 'bearer', expires_in: 3600, scope: 'read_account list_calendars', account_id: /^acc_/, linking_profile: { provider_name: 'google' } });

  const again = await token(broker, { grant_type: 'authorization_code', code: code3, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret });
  t.same([again.statusCode, again.json().error], [400, 'invalid_grant'], 'second redemption refused');
});

t.test('authorization_code: two parallel redemptions, exactly one succeeds', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId);
  const fields = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret };
  const results = await Promise.all(Array.from({ length: 8 }, () => token(broker, fields)));
  t.equal(results.filter((r) => r.statusCode === 200).length, 1);
  t.equal(results.filter((r) => r.json().error === 'invalid_grant').length, 7);
});

t.test('authorization_code: PKCE', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const auth = { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret };
  const { verifier, challenge } = pkcePair();

  const missing = await token(broker, { ...auth, code: await seedCode(broker.app, clientId, { codeChallenge: challenge }) });
  t.equal(missing.json().error, 'invalid_grant', 'challenge sent, verifier missing');
  const wrong = await token(broker, { ...auth, code: await seedCode(broker.app, clientId, { codeChallenge: challenge }), code_verifier: pkcePair().verifier });
  t.equal(wrong.json().error, 'invalid_grant', 'wrong verifier');
  const unexpected = await token(broker, { ...auth, code: await seedCode(broker.app, clientId), code_verifier: verifier });
  t.equal(unexpected.json().error, 'invalid_grant', 'verifier without a challenge');
  const malformed = await token(broker, { ...auth, code: await seedCode(broker.app, clientId, { codeChallenge: challenge }), code_verifier: 'short' });
  t.equal(malformed.json().error, 'invalid_request', 'malformed verifier');
  const right = await token(broker, { ...auth, code: await seedCode(broker.app, clientId, { codeChallenge: challenge }), code_verifier: verifier });
  t.equal(right.statusCode, 200);
});

t.test('refresh_token: same refresh token back, scope may narrow but never widen', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const other = await seedApp(broker.app, 'Other');
  const code = await seedCode(broker.app, clientId, { scope: 'read_account list_calendars' });
  const auth = { client_id: clientId, client_secret: clientSecret };
  const issued = (await token(broker, { ...auth, grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).json();

  const refreshed = await token(broker, { ...auth, grant_type: 'refresh_token', refresh_token: issued.refresh_token });
  t.match(refreshed.json(), { token_type: 'bearer', refresh_token: issued.refresh_token, scope: 'read_account list_calendars', account_id: issued.account_id });

  const wider = await token(broker, { ...auth, grant_type: 'refresh_token', refresh_token: issued.refresh_token, scope: 'read_account create_event' });
  t.same([wider.statusCode, wider.json().error], [400, 'invalid_scope']);

  const narrower = await token(broker, { ...auth, grant_type: 'refresh_token', refresh_token: issued.refresh_token, scope: 'read_account' });
  t.equal(narrower.json().scope, 'read_account');
  const calendars = await broker.app.inject({ url: '/v1/calendars', headers: { authorization: `Bearer ${narrower.json().access_token}` } });
  t.equal(calendars.statusCode, 403, 'the narrowed token really is narrower');

  const foreign = await token(broker, { client_id: other.clientId, client_secret: other.clientSecret, grant_type: 'refresh_token', refresh_token: issued.refresh_token });
  t.equal(foreign.json().error, 'invalid_grant', 'refresh token bound to its client');
  const missing = await token(broker, { ...auth, grant_type: 'refresh_token' });
  t.equal(missing.json().error, 'invalid_request');
});

t.test('revocation: authenticated, 200 for unknown tokens, refresh_token accepted as the SDK sends it', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const auth = { client_id: clientId, client_secret: clientSecret };
  const issued = (await token(broker, { ...auth, grant_type: 'authorization_code', code: await seedCode(broker.app, clientId), redirect_uri: REDIRECT_URI })).json();
  const revoke = (payload: Record<string, string>, headers: Record<string, string> = {}) =>
    broker.app.inject({ method: 'POST', url: '/oauth/token/revoke', headers: { 'content-type': 'application/json', ...headers }, payload });

  t.equal((await revoke({ token: issued.refresh_token })).statusCode, 401, 'client must authenticate');
  t.equal((await revoke({ ...auth })).json().error, 'invalid_request', 'token is required');
  t.equal((await revoke({ ...auth, token: 'never-issued' })).statusCode, 200, 'unknown token: 200');
  const sdk = await revoke({ ...auth, refresh_token: issued.refresh_token }, { authorization: 'Bearer undefined' });
  t.equal(sdk.statusCode, 200);
  const after = await token(broker, { ...auth, grant_type: 'refresh_token', refresh_token: issued.refresh_token });
  t.equal(after.json().error, 'invalid_grant', 'revoked');
  const api = await broker.app.inject({ url: '/v1/calendars', headers: { authorization: `Bearer ${issued.access_token}` } });
  t.equal(api.statusCode, 401, 'its access token is dead too');
});
