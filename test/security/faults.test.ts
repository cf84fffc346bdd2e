// Faults: PostgreSQL or Redis going away answers 503 with Retry-After, loses nothing, and recovers.
import { Redis } from 'ioredis';
import t from 'tap';
import { startFakeGoogle } from '../fake-google/index.js';
import { TestBrowser, hiddenInput } from '../helpers/browser.js';
import { brokerEnv, startBrokerWith } from '../helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from '../helpers/flow.js';
import { REDIS_URL } from '../helpers/services.js';
import { REDIRECT_URI, seedApp, seedCode } from '../helpers/seed.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const tokenRequest = (url: string, fields: Record<string, string>) =>
  fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });

t.test('PostgreSQL down: the token endpoint answers 503 with Retry-After, and the code is still redeemable once it is back', async (t) => {
  const env = await brokerEnv(t, 'services', undefined);
  const proxy = await startTcpProxy(t, 5432);
  const dbUrl = new URL(env.DATABASE_URL!);
  dbUrl.port = String(proxy.port);
  const broker = await startBrokerWith(t, { ...env, DATABASE_URL: dbUrl.href });
  const { clientId, clientSecret } = await seedApp(broker.app);
  const code = await seedCode(broker.app, clientId);
  const fields = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret };

  await proxy.cut();
  const down = await tokenRequest(broker.url, fields);
  t.equal(down.status, 503);
  t.equal(down.headers.get('retry-after'), '5');
  t.same(await down.json(), { error: 'temporarily_unavailable', error_description: 'calbroker is temporarily unavailable; please retry shortly' });
  const health = await fetch(`${broker.url}/health`);
  t.equal(health.status, 503, 'health says so too');

  await proxy.restore();
  const back = await tokenRequest(broker.url, fields);
  t.equal(back.status, 200, 'the same code redeems once PostgreSQL is back');
  t.match(await back.json(), { token_type: 'bearer', access_token: String });
});

t.test('Redis down: the authorize page answers a 503 page; an API call that needs Redis answers 503 and corrupts nothing', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 's', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'c', summary: 'C', accessRole: 'owner', primary: true }] });
  const env = await brokerEnv(t, 'services', google);
  const proxy = await startTcpProxy(t, 6379);
  const broker = await startBrokerWith(t, { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI }), REDIRECT_URI);
  const token = (await (await tokenRequest(broker.url, { grant_type: 'authorization_code', code: redirectParams(final).get('code')!, redirect_uri: REDIRECT_URI, client_id: client.client_id, client_secret: client.client_secret })).json()) as { access_token: string };

  await proxy.cut();
  const page = await new TestBrowser().request(authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 's' }));
  t.equal(page.status, 503);
  t.match(page.headers.get('content-type'), /text\/html/);
  t.equal(page.location, undefined, 'no redirect');
  t.equal(page.headers.get('retry-after'), '5');

  // An expired upstream token needs the refresh lock, which lives in Redis.
  google.expireAccessTokens();
  const refreshesBefore = google.counts.token_refresh;
  const api = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(api.status, 503);
  t.match(await api.json(), { error: 'service_unavailable' });
  t.equal(google.counts.token_refresh, refreshesBefore, 'no refresh without the lock');

  await proxy.restore();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const recovered = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(recovered.status, 200, 'works again once Redis is back');
});

t.test('Redis restarted mid-flow (state lost): the callback shows a clear start-again page, not a 500', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 's', email: 'ada@example.com', name: 'Ada', calendars: [] });
  const env = await brokerEnv(t, 'services', google);
  const broker = await startBrokerWith(t, env);
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const browser = new TestBrowser();
  const consent = await browser.request(authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI }));
  const toGoogle = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  const back = await browser.request(toGoogle.location!);

  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();

  const callback = await browser.request(back.location!);
  t.equal(callback.status, 400);
  t.match(callback.body, /start again/i);
  t.equal(google.counts.token_authorization_code, 0, 'Google was not asked to exchange the code');
});
