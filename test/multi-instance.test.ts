// Instances are stateless: two calbroker instances sharing PostgreSQL and Redis serve one flow,
// each step on whichever instance a load balancer would pick.
import Cronofy from 'cronofy';
import t from 'tap';
import { startFakeGoogle } from './fake-google/index.js';
import { TestBrowser, hiddenInput } from './helpers/browser.js';
import { brokerEnv, freePort, startBrokerWith } from './helpers/broker.js';
import { authorizeUrl, registerClient } from './helpers/flow.js';

const REDIRECT_URI = 'https://app.example.com/cb';

t.test('authorize on A, consent on B, callback on A, tokens and API alternating', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 's', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'c1', summary: 'One', accessRole: 'owner', primary: true }] });
  const env = await brokerEnv(t, 'services', google);
  const a = await startBrokerWith(t, env);
  const bPort = await freePort();
  const b = await startBrokerWith(t, { ...env, PORT: String(bPort) });
  const bUrl = `http://127.0.0.1:${bPort}`;
  const onB = (url: string) => url.replace(a.url, bUrl);

  const client = await registerClient(bUrl, [REDIRECT_URI]);

  const browser = new TestBrowser();
  const consent = await browser.request(authorizeUrl(a.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 'st' }));
  t.equal(consent.status, 200, 'A shows the consent page of an app registered on B');
  const toGoogle = await browser.request(`${bUrl}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'google' },
  });
  t.equal(toGoogle.status, 303, 'B accepts the form A rendered (shared state and cookie keys)');
  const back = await browser.request(toGoogle.location!);
  const toApp = await browser.request(back.location!); // PUBLIC_URL points at A
  t.equal(toApp.status, 303);
  const code = new URL(toApp.location!).searchParams.get('code');

  const cronofyB = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret });
  cronofyB.urls.api = bUrl;
  const token = await cronofyB.requestAccessToken({ code, redirect_uri: REDIRECT_URI });
  t.ok(token.access_token, 'B redeems the code A issued');

  const cronofyA = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret, access_token: token.access_token, refresh_token: token.refresh_token });
  cronofyA.urls.api = a.url;
  t.equal((await cronofyA.listCalendars()).calendars.length, 1, "A serves B's token");
  const calendarId = (await cronofyB.listCalendars()).calendars[0].calendar_id;
  t.equal((await cronofyA.listCalendars()).calendars[0].calendar_id, calendarId, 'the same calendar id on both');

  await cronofyA.revokeAuthorization();
  const after = await fetch(onB(`${a.url}/v1/calendars`), { headers: { authorization: `Bearer ${token.access_token}` } });
  t.equal(after.status, 401, 'revocation on A takes effect on B at once');
});
