// Single flight across processes: 50 concurrent calls split over two calbroker processes sharing
// PostgreSQL and Redis, with an expired upstream token, make exactly one upstream refresh.
import Cronofy from 'cronofy';
import t from 'tap';
import { startFakeGoogle } from './fake-google/index.js';
import { TestBrowser } from './helpers/browser.js';
import { brokerEnv, freePort } from './helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from './helpers/flow.js';
import { startBrokerProcess } from './helpers/process.js';

const REDIRECT_URI = 'https://app.example.com/cb';

t.test('50 concurrent /v1/calendars on two processes, expired upstream token: one refresh, 50 successes', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({
    sub: 's',
    email: 'ada@example.com',
    name: 'Ada',
    calendars: [
      { id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true },
      { id: 'team@group.calendar.google.com', summary: 'Team', accessRole: 'writer' },
    ],
  });
  const env = await brokerEnv(t, 'services', google);
  const a = await startBrokerProcess(t, env);
  const b = await startBrokerProcess(t, { ...env, PORT: String(await freePort()) });

  const client = await registerClient(a, [REDIRECT_URI]);
  const { final } = await connectThroughConsent(new TestBrowser(), a, authorizeUrl(a, { clientId: client.client_id, redirectUri: REDIRECT_URI }), REDIRECT_URI);
  const sdk = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret });
  sdk.urls.api = a;
  const token = await sdk.requestAccessToken({ code: redirectParams(final).get('code'), redirect_uri: REDIRECT_URI });

  google.expireAccessTokens();
  // A slow refresh keeps every other call waiting on it, on both processes.
  google.tokenDelayMs = 300;
  const refreshesBefore = google.counts.token_refresh;
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) => fetch(`${i % 2 ? b : a}/v1/calendars`, { headers: { authorization: `Bearer ${token.access_token}` } })),
  );
  const statuses = responses.map((r) => r.status);
  t.same(statuses, Array(50).fill(200), '50 successes');
  const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ calendars: unknown[] }>;
  t.ok(bodies.every((body) => body.calendars.length === 2), 'every answer lists both calendars');
  t.equal(google.counts.token_refresh - refreshesBefore, 1, 'exactly one upstream refresh');
});
