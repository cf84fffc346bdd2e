// The Cronofy-compatible calendar API end to end with the official cronofy SDK, against real
// PostgreSQL and Redis and the fake Google: account, profiles, userinfo, calendars, events with
// paging, free/busy, event upsert and delete, profile revocation.
import Cronofy from 'cronofy';
import t, { type Test } from 'tap';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.js';
import { TestBrowser } from './helpers/browser.js';
import { startBroker, type Broker } from './helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from './helpers/flow.js';

const REDIRECT_URI = 'https://app.example.com/cb';
const ADA = 'sub-ada';
const ALL_SCOPES = 'read_account list_calendars read_events create_event delete_event read_free_busy';

const hourAt = (day: number, hour: number) => `2026-12-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;

/** Ada: two writable calendars with 131 timed events between them, a read-only one with an all-day event, a deleted one. */
function seedAda(google: FakeGoogle): void {
  // Seeded long ago, so last_modified queries see only what a test changes.
  const addEvent: FakeGoogle['addEvent'] = (sub, calendarId, event) =>
    google.addEvent(sub, calendarId, { created: '2026-10-01T00:00:00Z', updated: '2026-10-01T00:00:00Z', ...event });
  google.addUser({
    sub: ADA,
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    calendars: [
      { id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true },
      { id: 'team@group.calendar.google.com', summary: 'Team', accessRole: 'writer' },
      { id: 'en.uk#holiday@group.v.calendar.google.com', summary: 'Holidays', accessRole: 'reader' },
      { id: 'old@group.calendar.google.com', summary: 'Old', accessRole: 'owner', deleted: true },
    ],
  });
  for (let i = 0; i < 71; i += 1) {
    const day = 1 + (i % 28);
    const hour = 6 + Math.floor(i / 28) * 2;
    addEvent(ADA, 'ada@example.com', { summary: `Ada ${i}`, start: { dateTime: hourAt(day, hour) }, end: { dateTime: hourAt(day, hour + 1) } });
  }
  for (let i = 0; i < 60; i += 1) {
    const day = 1 + (i % 28);
    const hour = 14 + Math.floor(i / 28) * 2;
    addEvent(ADA, 'team@group.calendar.google.com', {
      summary: `Team ${i}`,
      description: 'Weekly sync',
      location: 'Room 1',
      start: { dateTime: hourAt(day, hour) },
      end: { dateTime: hourAt(day, hour + 1) },
      attendees: [{ email: 'ada@example.com', responseStatus: 'accepted', self: true }, { email: 'bob@example.com', displayName: 'Bob', responseStatus: 'tentative' }],
      organizer: { email: 'bob@example.com', displayName: 'Bob' },
    });
  }
  addEvent(ADA, 'en.uk#holiday@group.v.calendar.google.com', { summary: 'Christmas Day', start: { date: '2026-12-25' }, end: { date: '2026-12-26' }, transparency: 'transparent' });
  addEvent(ADA, 'ada@example.com', { summary: 'Outside the window', start: { dateTime: '2027-03-01T09:00:00Z' }, end: { dateTime: '2027-03-01T10:00:00Z' } });
  google.eventPageSize = 25; // the primary calendar's 72 events take three upstream pages
}

async function connectAda(t: Test, google: FakeGoogle, broker: Broker, scope = ALL_SCOPES) {
  const client = await registerClient(broker.url, [REDIRECT_URI]);
  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, scope }), REDIRECT_URI);
  const cronofy = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret });
  cronofy.urls.api = broker.url;
  const token = await cronofy.requestAccessToken({ code: redirectParams(final).get('code'), redirect_uri: REDIRECT_URI });
  t.equal(token.scope, scope);
  return { cronofy, token, client };
}

async function setup(t: Test) {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  seedAda(google);
  const broker = await startBroker(t, 'services', google);
  const connected = await connectAda(t, google, broker);
  const calendars = (await connected.cronofy.listCalendars()).calendars as Array<{ calendar_id: string; calendar_name: string }>;
  const calendarId = (name: string) => calendars.find((c) => c.calendar_name === name)!.calendar_id;
  return { google, broker, ...connected, calendarId };
}

t.test('account, profiles and userinfo', async (t) => {
  const { cronofy, token } = await setup(t);
  const account = await cronofy.accountInformation();
  t.same(account, { account: { account_id: token.account_id, email: 'ada@example.com', name: 'Ada Lovelace', default_tzid: 'Etc/UTC' } });

  const { profiles } = await cronofy.profileInformation();
  t.same(profiles, [{ provider_name: 'google', profile_id: token.linking_profile.profile_id, profile_name: 'ada@example.com', profile_connected: true }]);

  const info = await cronofy.userInfo();
  t.match(info, { sub: token.account_id, email: 'ada@example.com', name: 'Ada Lovelace', zoneinfo: 'Etc/UTC', 'cronofy.type': 'account' });
  t.same(info['cronofy.data'].authorization, { scope: ALL_SCOPES, status: 'active' });
  const [profile] = info['cronofy.data'].profiles;
  t.match(profile, { provider_name: 'google', profile_id: token.linking_profile.profile_id, profile_connected: true });
  t.same(profile.profile_calendars.map((c: { calendar_name: string }) => c.calendar_name).sort(), ['Ada', 'Holidays', 'Old', 'Team']);
});

t.test('readEvents merges every calendar in start order and next_page walks every event exactly once', async (t) => {
  const { cronofy, google, calendarId } = await setup(t);
  const first = await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01', tzid: 'Etc/UTC' });
  t.same(first.pages.current, 1);
  t.equal(first.pages.total, 2);
  t.match(first.pages.next_page, /^http:\/\/127\.0\.0\.1:\d+\/v1\/events\/pages\/[A-Za-z0-9_-]+\.2$/);
  t.equal(first.events.length, 100);
  const second = await cronofy.readEvents({ next_page: first.pages.next_page });
  t.same(second.pages, { current: 2, total: 2 });
  const all = [...first.events, ...second.events];
  t.equal(all.length, 132, '71 + 60 timed events and one all-day event');
  t.equal(new Set(all.map((e: { event_uid: string }) => e.event_uid)).size, 132, 'each exactly once');
  const starts = all.map((e: { start: string }) => Date.parse(e.start.length === 10 ? `${e.start}T00:00:00Z` : e.start));
  t.same(starts, [...starts].sort((a, b) => a - b), 'in start order');
  t.ok(google.counts.events_list >= 3 + 1 + 1, 'upstream pages followed');
  t.notOk(all.some((e: { summary: string }) => e.summary === 'Outside the window'));

  const team = all.find((e: { summary: string }) => e.summary === 'Team 0');
  t.match(team, {
    calendar_id: calendarId('Team'),
    event_uid: /^evt_/,
    summary: 'Team 0',
    description: 'Weekly sync',
    start: '2026-12-01T14:00:00Z',
    end: '2026-12-01T15:00:00Z',
    deleted: false,
    location: { description: 'Room 1' },
    participation_status: 'accepted',
    attendees: [{ email: 'ada@example.com', status: 'accepted' }, { email: 'bob@example.com', display_name: 'Bob', status: 'tentative' }],
    organizer: { email: 'bob@example.com', display_name: 'Bob' },
    transparency: 'opaque',
    status: 'confirmed',
    recurring: false,
    event_private: false,
    options: { delete: true },
  });
  t.notOk('event_id' in team, 'no event_id on events the app did not create');
  const christmas = all.find((e: { summary: string }) => e.summary === 'Christmas Day');
  t.match(christmas, { start: '2026-12-25', end: '2026-12-26', calendar_id: calendarId('Holidays'), options: { delete: false, update: false } });

  const onlyTeam = await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01', calendar_ids: [calendarId('Team')] });
  t.equal(onlyTeam.events.length, 60, 'calendar_ids[] filters');
  t.equal(onlyTeam.pages.total, 1);
});

t.test('freeBusy lists busy periods of every calendar, opaque events only', async (t) => {
  const { cronofy, calendarId } = await setup(t);
  const first = await cronofy.freeBusy({ from: '2026-12-01', to: '2027-01-01', tzid: 'Etc/UTC' });
  const periods = [...first.free_busy];
  if (first.pages.next_page) periods.push(...(await cronofy.freeBusy({ next_page: first.pages.next_page })).free_busy);
  t.equal(periods.length, 131, 'the transparent all-day holiday is not busy');
  t.match(periods[0], { calendar_id: calendarId('Ada'), start: '2026-12-01T06:00:00Z', end: '2026-12-01T07:00:00Z', free_busy_status: 'busy' });
});

t.test('createEvent upserts by event_id; deleteEvent deletes, twice without error', async (t) => {
  const { cronofy, google, calendarId } = await setup(t);
  const calendar = calendarId('Ada');
  await cronofy.createEvent({ calendar_id: calendar, event_id: 'planning-1', summary: 'Planning', description: 'Q1', start: '2026-12-10T09:00:00Z', end: '2026-12-10T10:00:00Z', tzid: 'Europe/London', location: { description: 'Room 2' } });
  await cronofy.createEvent({ calendar_id: calendar, event_id: 'planning-1', summary: 'Planning (moved)', start: '2026-12-11T09:00:00Z', end: '2026-12-11T10:00:00Z' });
  const managed = google.events(ADA, 'ada@example.com').filter((e) => e.summary?.startsWith('Planning'));
  t.equal(managed.length, 1, 'one upstream event for one event_id');
  t.match(managed[0], { summary: 'Planning (moved)', status: 'confirmed', start: { dateTime: '2026-12-11T09:00:00Z' } });
  t.match(managed[0]!.id, /^[0-9a-v]{5,1024}$/, 'a valid Google event id');

  const hidden = await cronofy.readEvents({ from: '2026-12-10', to: '2026-12-12' });
  t.notOk(hidden.events.some((e: { event_id?: string }) => e.event_id), 'managed events are excluded by default');
  const mine = await cronofy.readEvents({ from: '2026-12-10', to: '2026-12-12', only_managed: true });
  t.equal(mine.events.length, 1);
  t.match(mine.events[0], { event_id: 'planning-1', summary: 'Planning (moved)', calendar_id: calendar, options: { update: true, delete: true } });

  await cronofy.deleteEvent({ calendar_id: calendar, event_id: 'planning-1' });
  t.equal(google.events(ADA, 'ada@example.com').find((e) => e.id === managed[0]!.id)?.status, 'cancelled');
  await cronofy.deleteEvent({ calendar_id: calendar, event_id: 'planning-1' });
  t.pass('deleting an event already gone answers 202');

  const external = (await cronofy.readEvents({ from: '2026-12-01', to: '2026-12-02', calendar_ids: [calendar] })).events[0];
  await cronofy.deleteEvent({ calendar_id: calendar, event_uid: external.event_uid });
  t.equal(google.events(ADA, 'ada@example.com').find((e) => e.summary === external.summary)?.status, 'cancelled', 'deleted by event_uid');

  await cronofy.createEvent({ calendar_id: calendar, event_id: 'planning-1', summary: 'Planning again', start: '2026-12-12', end: '2026-12-13' });
  const revived = google.events(ADA, 'ada@example.com').filter((e) => e.summary?.startsWith('Planning'));
  t.equal(revived.length, 1, 'recreating a deleted event_id reuses its upstream event');
  t.match(revived[0], { status: 'confirmed', start: { date: '2026-12-12' } });
});

t.test('writes are refused before reaching Google: read-only, deleted, foreign calendars, bad bodies', async (t) => {
  const { cronofy, google, calendarId, broker } = await setup(t);
  const inserts = () => google.counts.events_insert + google.counts.events_update + google.counts.events_delete;
  const before = inserts();
  const event = { event_id: 'x', summary: 'S', start: '2026-12-10T09:00:00Z', end: '2026-12-10T10:00:00Z' };

  await t.rejects(cronofy.createEvent({ calendar_id: calendarId('Holidays'), ...event }), { message: /read_only_calendar/, statusCode: 422 });
  await t.rejects(cronofy.createEvent({ calendar_id: calendarId('Old'), ...event }), { message: /deleted_calendar/, statusCode: 422 });
  await t.rejects(cronofy.createEvent({ calendar_id: 'cal_doesnotexist', ...event }), { message: /not_found/, statusCode: 404 });
  await t.rejects(cronofy.deleteEvent({ calendar_id: calendarId('Holidays'), event_id: 'x' }), { message: /read_only_calendar/, statusCode: 422 });

  const invalid = await fetch(`${broker.url}/v1/calendars/${calendarId('Ada')}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cronofy.config.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ start: 'tomorrow', end: '2026-12-10T10:00:00Z', tzid: 'Mars/Olympus' }),
  });
  t.equal(invalid.status, 422);
  t.same(await invalid.json(), {
    errors: {
      event_id: [{ key: 'errors.required', description: 'required' }],
      summary: [{ key: 'errors.required', description: 'required' }],
      tzid: [{ key: 'errors.invalid', description: 'must be a known time zone identifier such as Europe/London' }],
      start: [{ key: 'errors.invalid', description: 'must be a date (YYYY-MM-DD), a time (YYYY-MM-DDTHH:MM:SSZ) or {"time", "tzid"}' }],
    },
  });
  const backwards = await cronofy.createEvent({ calendar_id: calendarId('Ada'), ...event, end: '2026-12-10T08:00:00Z' }).catch((e: { statusCode: number; message: string }) => e);
  t.match(backwards, { statusCode: 422, message: /must be after start/ });

  // Another account's calendar is not found, exactly like one that does not exist.
  google.addUser({ sub: 'sub-eve', email: 'eve@example.com', name: 'Eve', calendars: [{ id: 'eve@example.com', summary: 'Eve', accessRole: 'owner', primary: true }] });
  google.queueConsent({ sub: 'sub-eve' });
  const eve = await connectAda(t, google, broker);
  const eveCalendar = (await eve.cronofy.listCalendars()).calendars[0].calendar_id;
  await t.rejects(cronofy.createEvent({ calendar_id: eveCalendar, ...event }), { message: /not_found/, statusCode: 404 });
  t.equal(inserts(), before, 'Google saw no write');
});

t.test('scopes: each endpoint checks its own, and refusals never reach Google', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  seedAda(google);
  const broker = await startBroker(t, 'services', google);
  const { cronofy } = await connectAda(t, google, broker, 'list_calendars');
  const requestsBefore = google.requests.length;
  for (const [label, call, scope] of [
    ['account', () => cronofy.accountInformation(), 'read_account'],
    ['events', () => cronofy.readEvents({ from: '2026-12-01', to: '2026-12-02' }), 'read_events'],
    ['free_busy', () => cronofy.freeBusy({ from: '2026-12-01', to: '2026-12-02' }), 'read_free_busy'],
    ['create', () => cronofy.createEvent({ calendar_id: 'cal_x', event_id: 'x', summary: 's', start: '2026-12-01', end: '2026-12-02' }), 'create_event'],
    ['delete', () => cronofy.deleteEvent({ calendar_id: 'cal_x', event_id: 'x' }), 'delete_event'],
  ] as const) {
    const error = await (call as () => Promise<unknown>)().catch((e: { statusCode: number }) => e);
    t.equal((error as { statusCode: number }).statusCode, 403, `${label}: 403`);
  }
  const raw = await fetch(`${broker.url}/v1/events`, { headers: { authorization: `Bearer ${cronofy.config.access_token}` } });
  t.equal(raw.headers.get('www-authenticate'), 'Bearer realm="calbroker", error="insufficient_scope", error_description="This call needs the read_events scope", scope="read_events"');
  t.equal(google.requests.length, requestsBefore, 'no request reached Google');
  t.equal((await cronofy.profileInformation()).profiles.length, 1, 'profiles need no particular scope');
});

t.test('revokeProfileAuthorization disconnects that profile; relinking keeps its id', async (t) => {
  const { cronofy, google, token, broker, client } = await setup(t);
  await cronofy.revokeProfileAuthorization({ profile_id: token.linking_profile.profile_id });
  t.equal(google.counts.revoke, 1, 'revoked at Google');
  const { profiles } = await cronofy.profileInformation();
  t.match(profiles[0], { profile_id: token.linking_profile.profile_id, profile_connected: false, profile_relink_url: new RegExp(`^${broker.url}/oauth/authorize\\?`) });
  const relink = new URL(profiles[0].profile_relink_url);
  t.equal(relink.searchParams.get('client_id'), client.client_id);
  t.equal(relink.searchParams.get('provider_name'), 'google');
  t.equal(relink.searchParams.get('redirect_uri'), REDIRECT_URI);

  const listing = await cronofy.listCalendars().catch((e: { statusCode: number; message: string }) => e);
  t.match(listing, { statusCode: 409, message: new RegExp(token.linking_profile.profile_id) }, 'calls that need it name the profile');
  const userinfo = await cronofy.userInfo();
  t.equal(userinfo['cronofy.data'].profiles[0].profile_connected, false, 'identity still answers');

  const { final } = await connectThroughConsent(new TestBrowser(), broker.url, profiles[0].profile_relink_url, REDIRECT_URI);
  const again = await cronofy.requestAccessToken({ code: redirectParams(final).get('code'), redirect_uri: REDIRECT_URI });
  t.equal(again.linking_profile.profile_id, token.linking_profile.profile_id, 'same profile id after relinking');
  t.equal(again.account_id, token.account_id, 'same account');
  t.equal((await cronofy.profileInformation()).profiles[0].profile_connected, true);
});

t.test('include_deleted and last_modified', async (t) => {
  const { cronofy, google } = await setup(t);
  const [victim] = google.events(ADA, 'team@group.calendar.google.com');
  const token = cronofy.config.access_token as string;
  const teamEvents = (await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01', include_deleted: true })).events;
  t.notOk(teamEvents.some((e: { deleted: boolean }) => e.deleted), 'nothing deleted yet');

  const since = new Date(Date.now() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const calendarsResponse = await cronofy.listCalendars();
  const teamId = calendarsResponse.calendars.find((c: { calendar_name: string }) => c.calendar_name === 'Team').calendar_id;
  const uid = teamEvents.find((e: { summary: string }) => e.summary === victim!.summary).event_uid;
  await cronofy.deleteEvent({ calendar_id: teamId, event_uid: uid });

  const withoutDeleted = (await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01', calendar_ids: [teamId] })).events;
  t.equal(withoutDeleted.length, 59, 'deleted events hidden by default');
  const withDeleted = (await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01', calendar_ids: [teamId], include_deleted: true })).events;
  t.equal(withDeleted.length, 60);
  t.match(withDeleted.find((e: { event_uid: string }) => e.event_uid === uid), { deleted: true, status: 'cancelled' });

  const modified = (await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01', last_modified: since, include_deleted: true })).events;
  t.same(modified.map((e: { event_uid: string }) => e.event_uid), [uid], 'only what changed since last_modified');

  const bad = await fetch(`${cronofy.urls.api}/v1/events?from=yesterday&tzid=Nowhere%2FLand&include_deleted=maybe`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(bad.status, 422);
  t.same(Object.keys(((await bad.json()) as { errors: object }).errors).sort(), ['from', 'include_deleted', 'tzid']);
});

t.test('read_events implies read_free_busy; tzid moves the date boundaries', async (t) => {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  seedAda(google);
  const broker = await startBroker(t, 'services', google);
  const { cronofy } = await connectAda(t, google, broker, 'read_events');
  const freeBusy = await cronofy.freeBusy({ from: '2026-12-01', to: '2026-12-02' });
  t.equal(freeBusy.free_busy.length, 6, 'free/busy allowed with read_events alone (three events on each writable calendar)');
  // 2026-12-01 in Pacific/Kiritimati (UTC+14) starts at 2026-11-30T10:00Z and ends at 2026-12-01T10:00Z.
  const kiritimati = await cronofy.readEvents({ from: '2026-12-01', to: '2026-12-02', tzid: 'Pacific/Kiritimati' });
  t.same(kiritimati.events.map((e: { start: string }) => e.start), ['2026-12-01T06:00:00Z', '2026-12-01T08:00:00Z'], 'only the events before 10:00Z');
});

t.test("one account cannot touch another's profiles or pages", async (t) => {
  const { cronofy, google, broker } = await setup(t);
  google.addUser({ sub: 'sub-eve', email: 'eve@example.com', name: 'Eve', calendars: [{ id: 'eve@example.com', summary: 'Eve', accessRole: 'owner', primary: true }] });
  google.queueConsent({ sub: 'sub-eve' });
  const eve = await connectAda(t, google, broker);
  const revoke = await eve.cronofy.revokeProfileAuthorization({ profile_id: (await cronofy.profileInformation()).profiles[0].profile_id }).catch((e: { statusCode: number }) => e);
  t.equal(revoke.statusCode, 404, "another account's profile is not found");
  t.equal((await cronofy.profileInformation()).profiles[0].profile_connected, true, 'and stays connected');

  const page = await cronofy.readEvents({ from: '2026-12-01', to: '2027-01-01' });
  const stolen = await eve.cronofy.readEvents({ next_page: page.pages.next_page }).catch((e: { statusCode: number }) => e);
  t.equal(stolen.statusCode, 404, "another grant's page looks expired");
});
