// Secrets, codes and tokens never reach a log: a whole flow at debug level, every line checked.
import { Writable } from 'node:stream';
import Cronofy from 'cronofy';
import pino from 'pino';
import t from 'tap';
import { loggerOptions } from '../../src/logging.js';
import { startFakeGoogle } from '../fake-google/index.js';
import { TestBrowser } from '../helpers/browser.js';
import { brokerEnv, startBrokerWith } from '../helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from '../helpers/flow.js';

t.test('a full flow logged at debug level leaks no secret', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 's', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'c', summary: 'C', accessRole: 'owner' }] });
  const env = await brokerEnv(t, 'services', google, { LOG_LEVEL: 'debug' });
  const broker = await startBrokerWith(t, env, pino({ ...loggerOptions('debug') }, sink));

  const redirectUri = 'https://app.example.com/cb';
  const client = await registerClient(broker.url, [redirectUri]);
  const browser = new TestBrowser();
  const { final } = await connectThroughConsent(browser, broker.url, authorizeUrl(broker.url, { clientId: client.client_id, redirectUri, state: 'st' }), redirectUri);
  const code = redirectParams(final).get('code')!;
  const cronofy = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret });
  cronofy.urls.api = broker.url;
  const token = await cronofy.requestAccessToken({ code, redirect_uri: redirectUri });
  await cronofy.listCalendars();
  google.expireAccessTokens();
  await cronofy.listCalendars();
  await cronofy.refreshAccessToken();
  await cronofy.revokeAuthorization();
  // A failing token request logs its error too.
  await fetch(`${broker.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:wrong`).toString('base64')}` } });

  const log = lines.join('');
  t.ok(lines.length > 20, `captured ${lines.length} log lines`);
  const upstreamTokens = google.requests.flatMap((r) => [r.query.code, r.query.state]).filter(Boolean) as string[];
  const secrets = {
    client_secret: client.client_secret,
    code,
    access_token: token.access_token,
    refresh_token: token.refresh_token,
    registration_secret_prefix: client.client_secret.slice(0, 20),
    google_client_secret: google.clientSecret,
    ...Object.fromEntries(upstreamTokens.map((v, i) => [`upstream_param_${i}`, v])),
  };
  for (const [name, value] of Object.entries(secrets)) t.notOk(log.includes(value), `${name} not in the log`);
  t.notMatch(log, /ya29\.|1\/\//, 'no Google access or refresh token');
  t.notMatch(log, /calbroker_browser=/, 'no cookie value');
});
