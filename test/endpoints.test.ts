// Discovery metadata, registration, bearer protection of /v1, and health.
import t from 'tap';
import { startBroker } from './helpers/broker.js';
import { REDIRECT_URI, seedApp, seedCode } from './helpers/seed.js';

t.test('RFC 8414 metadata', async (t) => {
  const broker = await startBroker(t, 'services');
  const response = await broker.app.inject({ url: '/.well-known/oauth-authorization-server' });
  t.equal(response.statusCode, 200);
  t.match(response.json(), {
    issuer: broker.url,
    authorization_endpoint: `${broker.url}/oauth/authorize`,
    token_endpoint: `${broker.url}/oauth/token`,
    revocation_endpoint: `${broker.url}/oauth/token/revoke`,
    registration_endpoint: `${broker.url}/oauth/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  });
  t.same(response.json().scopes_supported, ['read_account', 'list_calendars', 'read_events', 'create_event', 'delete_event', 'read_free_busy']);
});

t.test('RFC 7591 registration', async (t) => {
  const broker = await startBroker(t, 'services');
  const register = (payload: unknown, headers: Record<string, string> = {}) =>
    broker.app.inject({ method: 'POST', url: '/oauth/register', headers: { 'content-type': 'application/json', ...headers }, payload: payload as object });

  const created = await register({ client_name: 'Planner', redirect_uris: [REDIRECT_URI, 'http://localhost:8080/cb', 'http://127.0.0.1:9/cb'] });
  t.equal(created.statusCode, 201);
  t.match(created.json(), { client_id: /^app_/, client_secret: /^[A-Za-z0-9_-]{43}$/, client_id_issued_at: Number, client_secret_expires_at: 0, client_name: 'Planner' });
  t.same(created.json().redirect_uris, [REDIRECT_URI, 'http://localhost:8080/cb', 'http://127.0.0.1:9/cb']);

  for (const [label, uris] of [
    ['http on a public host', ['http://app.example.com/cb']],
    ['a fragment', ['https://app.example.com/cb#x']],
    ['a relative URI', ['/cb']],
    ['a custom scheme', ['javascript:alert(1)']],
    ['no URIs', []],
    ['not an array', 'https://app.example.com/cb'],
  ] as const) {
    const response = await register({ client_name: 'x', redirect_uris: uris });
    t.same([response.statusCode, response.json().error], [400, 'invalid_redirect_uri'], label);
  }
  const noName = await register({ redirect_uris: [REDIRECT_URI] });
  t.same([noName.statusCode, noName.json().error], [400, 'invalid_client_metadata']);
  const notJson = await broker.app.inject({ method: 'POST', url: '/oauth/register', headers: { 'content-type': 'application/json' }, payload: '"x"' });
  t.same([notJson.statusCode, notJson.json().error], [400, 'invalid_client_metadata']);
});

t.test('registration guarded by REGISTRATION_TOKEN', async (t) => {
  const broker = await startBroker(t, 'services', undefined, { REGISTRATION_TOKEN: 'operator-secret' });
  const body = { client_name: 'Planner', redirect_uris: [REDIRECT_URI] };
  const without = await broker.app.inject({ method: 'POST', url: '/oauth/register', payload: body });
  t.equal(without.statusCode, 401);
  t.match(without.headers['www-authenticate'], /^Bearer realm="calbroker"$/, 'no error code when no credentials were sent');
  const wrong = await broker.app.inject({ method: 'POST', url: '/oauth/register', payload: body, headers: { authorization: 'Bearer guess' } });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.headers['www-authenticate'], /error="invalid_token"/);
  const right = await broker.app.inject({ method: 'POST', url: '/oauth/register', payload: body, headers: { authorization: 'Bearer operator-secret' } });
  t.equal(right.statusCode, 201);
});

t.test('bearer protection of /v1 (RFC 6750)', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId, { scope: 'read_account' });
  const issued = (
    await broker.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret },
    })
  ).json();

  const none = await broker.app.inject({ url: '/v1/calendars' });
  t.equal(none.statusCode, 401);
  t.equal(none.headers['www-authenticate'], 'Bearer realm="calbroker"', 'no error code without credentials');

  const bad = await broker.app.inject({ url: '/v1/calendars', headers: { authorization: 'Bearer not-a-token' } });
  t.equal(bad.statusCode, 401);
  t.match(bad.headers['www-authenticate'], /error="invalid_token"/);

  const malformed = await broker.app.inject({ url: '/v1/calendars', headers: { authorization: 'Token abc' } });
  t.equal(malformed.statusCode, 401);

  const scope = await broker.app.inject({ url: '/v1/calendars', headers: { authorization: `Bearer ${issued.access_token}` } });
  t.equal(scope.statusCode, 403);
  t.match(scope.headers['www-authenticate'], /error="insufficient_scope".*scope="list_calendars"/);

  const inQuery = await broker.app.inject({ url: `/v1/calendars?access_token=${issued.access_token}` });
  t.equal(inQuery.statusCode, 400, 'token in the query refused');
  const both = await broker.app.inject({ url: `/v1/calendars?access_token=x`, headers: { authorization: `Bearer ${issued.access_token}` } });
  t.equal(both.statusCode, 400, 'token in header and query refused');
});

t.test('health and unknown routes', async (t) => {
  const broker = await startBroker(t, 'services');
  const health = await broker.app.inject({ url: '/health' });
  t.same([health.statusCode, health.json()], [200, { status: 'ok' }]);
  const missing = await broker.app.inject({ url: '/nope' });
  t.equal(missing.statusCode, 404);
});

t.test('health reports 503 when the database is gone', async (t) => {
  const broker = await startBroker(t, 'services');
  await broker.app.database.close();
  const health = await broker.app.inject({ url: '/health' });
  t.equal(health.statusCode, 503);
  t.same(health.json(), { status: 'unavailable' });
});
