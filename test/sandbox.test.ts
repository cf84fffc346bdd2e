// The sandbox provider end to end: the real hosted flow through its own sign-in page, and the
// calendar API with the cronofy SDK, in embedded mode (where it is on by default).
import Cronofy from 'cronofy';
import t, { type Test } from 'tap';
import { TestBrowser, hiddenInput } from './helpers/browser.js';
import { startBroker, type Broker } from './helpers/broker.js';
import { authorizeUrl, redirectParams, registerClient } from './helpers/flow.js';

const REDIRECT_URI = 'https://app.example.com/cb';

/** Consent page -> sandbox sign-in page -> back to the app. */
async function connectSandbox(t: Test, broker: Broker, email = 'grace@sandbox.example') {
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const browser = new TestBrowser();
  const consent = await browser.request(authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 'st', providerName: 'sandbox', scope: 'read_account list_calendars read_events create_event delete_event' }));
  t.match(consent.body, /Continue with Sandbox \(simulated\)/, 'the consent page marks the sandbox as simulated');
  const toSandbox = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'sandbox' },
  });
  t.equal(toSandbox.status, 303);
  const signIn = await browser.request(toSandbox.location!);
  t.equal(signIn.status, 200);
  t.match(signIn.body, /Simulated calendar service/);
  const form: Record<string, string> = { name: 'Grace Hopper', email, decision: 'allow' };
  for (const name of ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method']) form[name] = hiddenInput(signIn.body, name);
  const final = await browser.follow(`${broker.url}/sandbox/oauth/authorize`, REDIRECT_URI, { form });
  const code = redirectParams(final).get('code');
  const cronofy = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret });
  cronofy.urls.api = broker.url;
  const token = await cronofy.requestAccessToken({ code, redirect_uri: REDIRECT_URI });
  return { cronofy, token, client };
}

t.test('sandbox: sign in, list calendars, read the coming week, write and delete an event', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const { cronofy, token } = await connectSandbox(t, broker);
  t.match(token.linking_profile, { provider_name: 'sandbox', profile_name: 'grace@sandbox.example' });

  const { calendars } = await cronofy.listCalendars();
  t.same(calendars.map((c: { calendar_name: string }) => c.calendar_name), ['Work', 'Team', 'Public holidays']);
  const work = calendars[0].calendar_id;
  const holidays = calendars[2];
  t.equal(holidays.calendar_readonly, true);

  const today = new Date().toISOString().slice(0, 10);
  const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const week = await cronofy.readEvents({ from: today, to: inAWeek, tzid: 'Etc/UTC' });
  t.ok(week.events.length >= 8, `${week.events.length} events this week`);
  t.ok(week.events.some((e: { start: string; summary: string }) => e.summary === 'Company holiday' && /^\d{4}-\d{2}-\d{2}$/.test(e.start)), 'an all-day event');

  await cronofy.createEvent({ calendar_id: work, event_id: 'demo-1', summary: 'Lunch', start: `${inAWeek}T12:00:00Z`, end: `${inAWeek}T13:00:00Z` });
  await cronofy.createEvent({ calendar_id: work, event_id: 'demo-1', summary: 'Long lunch', start: `${inAWeek}T12:00:00Z`, end: `${inAWeek}T14:00:00Z` });
  const later = new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10);
  const mine = await cronofy.readEvents({ from: today, to: later, only_managed: true });
  t.same(mine.events.map((e: { event_id: string; summary: string }) => [e.event_id, e.summary]), [['demo-1', 'Long lunch']], 'upserted once');
  await t.rejects(cronofy.createEvent({ calendar_id: holidays.calendar_id, event_id: 'x', summary: 'x', start: `${inAWeek}T12:00:00Z`, end: `${inAWeek}T13:00:00Z` }), { message: /read_only_calendar/, statusCode: 422 });
  await cronofy.deleteEvent({ calendar_id: work, event_id: 'demo-1' });
  t.equal((await cronofy.readEvents({ from: today, to: later, only_managed: true })).events.length, 0, 'deleted');

  const busy = await cronofy.freeBusy({ from: today, to: inAWeek });
  t.ok(busy.free_busy.length > 0, 'free/busy periods');
});

t.test('sandbox connections survive an upstream token refresh (stateless tokens)', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const { cronofy } = await connectSandbox(t, broker);
  const { upstreamCredentials } = await import('../src/storage/schema.js');
  await broker.app.db.update(upstreamCredentials).set({ accessExpiresAt: new Date(Date.now() - 1000) });
  t.equal((await cronofy.listCalendars()).calendars.length, 3, 'refreshed and listed');
});

t.test('the sandbox is off outside embedded mode unless SANDBOX=1', async (t) => {
  const off = await startBroker(t, 'services');
  t.equal(off.app.providers.has('sandbox'), false);
  t.equal((await fetch(`${off.url}/sandbox/oauth/authorize`)).status, 404);
  const on = await startBroker(t, 'services', undefined, { SANDBOX: '1' });
  t.equal(on.app.providers.has('sandbox'), true);
  const embeddedOff = await startBroker(t, 'embedded', undefined, { SANDBOX: '0' });
  t.equal(embeddedOff.app.providers.has('sandbox'), false);
});

t.test('declining on the sandbox sign-in page sends access_denied to the app', async (t) => {
  const broker = await startBroker(t, 'services', undefined, { SANDBOX: '1' });
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const browser = new TestBrowser();
  const consent = await browser.request(authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 'st' }));
  const toSandbox = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'sandbox' },
  });
  const signIn = await browser.request(toSandbox.location!);
  const form: Record<string, string> = { decision: 'deny', name: 'x', email: 'x@y.z' };
  for (const name of ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method']) form[name] = hiddenInput(signIn.body, name);
  const final = await browser.follow(`${broker.url}/sandbox/oauth/authorize`, REDIRECT_URI, { form });
  t.equal(redirectParams(final).get('error'), 'access_denied');
  t.equal(redirectParams(final).get('state'), 'st');
});
