// Rate limits, counted in Redis so they hold across instances: failed client authentication per
// client and per address, code guessing, and authorize-page floods. Each answers 429 with Retry-After.
import t from 'tap';
import { brokerEnv, freePort, startBroker, startBrokerWith } from '../helpers/broker.js';
import { REDIRECT_URI, seedApp, seedCode } from '../helpers/seed.js';
import { authorizeUrl } from '../helpers/flow.js';

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

t.test('secret guessing against one client: after 10 failures even the right secret gets 429 with Retry-After', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId);
  const attempt = (secret: string) =>
    fetch(`${broker.url}/oauth/token`, form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: secret }));
  for (let i = 0; i < 10; i += 1) t.equal((await attempt(`guess-${i}`)).status, 401, `guess ${i + 1} refused`);
  const blocked = await attempt(clientSecret);
  t.equal(blocked.status, 429);
  t.equal(((await blocked.json()) as { error: string }).error, 'too_many_requests');
  const retryAfter = Number(blocked.headers.get('retry-after'));
  t.ok(retryAfter > 0 && retryAfter <= 600, `Retry-After ${retryAfter}`);
});

t.test('credential stuffing from one address across many client ids: blocked after 30 failures', async (t) => {
  const broker = await startBroker(t, 'services');
  for (let i = 0; i < 30; i += 1) {
    const response = await fetch(`${broker.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: `app_guess${i}`, client_secret: 'x' }));
    t.equal(response.status, 401);
  }
  const { clientId, clientSecret } = await seedApp(broker.app);
  const blocked = await fetch(`${broker.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: clientId, client_secret: clientSecret }));
  t.equal(blocked.status, 429, 'the address is blocked, whatever client it claims');
});

t.test('code guessing by an authenticated client: invalid_grant answers are limited to 30, then 429', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId, clientSecret } = await seedApp(broker.app);
  const guess = (i: number) =>
    fetch(`${broker.url}/oauth/token`, form({ grant_type: 'authorization_code', code: `guess-${i}`, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret }));
  for (let i = 0; i < 30; i += 1) t.equal((await guess(i)).status, 400);
  const blocked = await guess(99);
  t.equal(blocked.status, 429);
  t.ok(blocked.headers.get('retry-after'));
});

t.test('authorize-page flood from one address: the 61st request in a minute gets a 429 page', async (t) => {
  const broker = await startBroker(t, 'services');
  const { clientId } = await seedApp(broker.app);
  const url = authorizeUrl(broker.url, { clientId, redirectUri: REDIRECT_URI, state: 's' });
  const statuses = [];
  for (let i = 0; i < 61; i += 1) statuses.push((await fetch(url, { redirect: 'manual' })).status);
  // No provider is configured here, so each allowed request is redirected with server_error; what matters is the 61st.
  t.notOk(statuses.slice(0, 60).includes(429), 'the first 60 are served');
  const blocked = await fetch(url, { redirect: 'manual' });
  t.equal(blocked.status, 429);
  t.match(blocked.headers.get('content-type'), /text\/html/);
  t.ok(blocked.headers.get('retry-after'));
  t.equal(blocked.headers.get('location'), null, 'not redirected');
});

t.test('limits are shared: failures on one instance count on another', async (t) => {
  const env = await brokerEnv(t, 'services', undefined);
  const a = await startBrokerWith(t, env);
  const b = await startBrokerWith(t, { ...env, PORT: String(await freePort()) });
  const { clientId, clientSecret } = await seedApp(a.app);
  const bUrl = `http://127.0.0.1:${b.env.PORT}`;
  for (let i = 0; i < 10; i += 1) {
    const target = i % 2 ? bUrl : a.url;
    t.equal((await fetch(`${target}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: clientId, client_secret: 'wrong' }))).status, 401);
  }
  const blocked = await fetch(`${bUrl}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: clientId, client_secret: clientSecret }));
  t.equal(blocked.status, 429);
});
