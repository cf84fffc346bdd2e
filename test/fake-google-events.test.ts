// The fake Google's Calendar API v3 events and freeBusy, over real HTTP.
import t, { type Test } from 'tap';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.js';
import { alice, login } from './helpers/fake-google-client.js';

// --- Calendar API v3: events and freeBusy --------------------------------------------------------------------

const AUTH = 'https://www.googleapis.com/auth/';
const HOLIDAY = 'en.uk#holiday@group.v.calendar.google.com';
const TEAM = 'team@group.calendar.google.com';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

/** A fake with alice (plus a calendar whose id needs encoding) and a token for `scope`. */
async function eventsSetup(t: Test, scope = `${AUTH}calendar`) {
  const fake = await startFakeGoogle();
  t.teardown(() => fake.close());
  const user = structuredClone(alice);
  user.calendars.push({ id: HOLIDAY, summary: 'Holidays in United Kingdom', accessRole: 'owner' });
  fake.addUser(user);
  const { access_token } = await login(fake, { scope: `openid email ${scope}` });
  return { fake, token: access_token };
}

async function call(fake: FakeGoogle, token: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${fake.apiUrl}/calendar/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Body };
}

const eventsPath = (calendarId: string, eventId?: string) =>
  `/calendars/${encodeURIComponent(calendarId)}/events${eventId === undefined ? '' : `/${encodeURIComponent(eventId)}`}`;
const at = (hhmm: string, day = '2026-11-24') => ({ dateTime: `${day}T${hhmm}:00Z` });
const googleErr = (code: number, status: string, reason: string, message: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason }], status },
});

t.test('events.list: time window, encoded calendar id, paging across 3 pages', async (t) => {
  const { fake, token } = await eventsSetup(t);
  fake.eventPageSize = 2;
  const add = (id: string, start: object, end: object, extra: object = {}) => fake.addEvent(alice.sub, HOLIDAY, { id, start, end, ...extra });
  add('ev00early', at('06:00'), at('07:00')); // ends before the window
  add('ev05', at('07:00'), at('09:30')); // overlaps the window start
  add('ev01', at('10:00'), at('11:00'));
  add('ev02', at('10:00'), at('10:30')); // same start: ordered by id
  add('ev03', { dateTime: '2026-11-24T14:00:00+01:00' }, { dateTime: '2026-11-24T15:00:00+01:00' });
  add('ev04allday', { date: '2026-11-24' }, { date: '2026-11-25' });
  add('ev06allday', { date: '2026-11-23' }, { date: '2026-11-24' }); // end date is exclusive: outside
  add('ev07late', at('18:00'), at('19:00')); // starts at timeMax: outside
  add('ev08gone', at('12:00'), at('13:00'), { status: 'cancelled' });

  const window = `timeMin=${encodeURIComponent('2026-11-24T09:00:00Z')}&timeMax=${encodeURIComponent('2026-11-24T18:00:00Z')}`;
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const res = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?${window}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`);
    t.equal(res.status, 200);
    t.match(res.body, {
      kind: 'calendar#events', etag: /^".+"$/, summary: 'Holidays in United Kingdom', updated: String,
      timeZone: 'UTC', accessRole: 'owner', defaultReminders: [],
    });
    t.ok(res.body.items.length <= 2);
    for (const item of res.body.items) {
      t.match(item, { kind: 'calendar#event', etag: /^"\d+"$/, status: 'confirmed', htmlLink: /^https:\/\/www\.google\.com\/calendar\/event\?eid=/ });
      ids.push(item.id);
    }
    pageToken = res.body.nextPageToken;
    t.equal('nextSyncToken' in res.body, pageToken === undefined, 'nextSyncToken only on the last page');
    pages++;
  } while (pageToken);
  t.equal(pages, 3);
  t.same(ids, ['ev04allday', 'ev05', 'ev01', 'ev02', 'ev03']);
  t.equal(fake.counts.events_list, 3);

  const big = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?maxResults=2500`);
  t.equal(big.body.items.length, 2, 'eventPageSize caps maxResults');
  fake.eventPageSize = 250;
  const all = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?maxResults=3&orderBy=updated`);
  t.equal(all.body.items.length, 3);
  t.ok(all.body.nextPageToken);
  const wrongCal = await call(fake, token, 'GET', `${eventsPath(TEAM)}?orderBy=updated&pageToken=${encodeURIComponent(all.body.nextPageToken)}`);
  t.equal(wrongCal.status, 400, 'a page token is bound to its calendar');
  t.match(wrongCal.body, { error: { code: 400, errors: [{ reason: 'invalid', location: 'pageToken' }] } });
  t.match((await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?pageToken=garbage`)).body, { error: { errors: [{ reason: 'invalid' }] } });

  const startTime = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?orderBy=startTime`);
  t.equal(startTime.status, 400);
  t.same(startTime.body, googleErr(400, 'INVALID_ARGUMENT', 'badRequest', 'The requested ordering is not available for the particular query.'));
  const single = await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?orderBy=startTime&singleEvents=true&${window}`);
  t.same(single.body.items.map((i: Body) => i.id), ['ev04allday', 'ev05', 'ev01', 'ev02', 'ev03']);
  t.equal((await call(fake, token, 'GET', `${eventsPath(HOLIDAY)}?timeMin=2026-11-24T09:00:00`)).status, 400, 'offset is mandatory');
  t.match((await call(fake, token, 'GET', `${eventsPath('primary')}`)).body, { summary: alice.email, accessRole: 'owner' });
  t.equal((await call(fake, token, 'GET', eventsPath('stranger@example.com'))).status, 404);
  t.equal((await call(fake, token, 'GET', eventsPath('gone@group.calendar.google.com'))).status, 404, 'deleted calendars are gone');
});

t.test('events.list: showDeleted and updatedMin include cancelled events', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const old = { created: '2020-01-01T00:00:00.000Z', updated: '2020-01-01T00:00:00.000Z' };
  fake.addEvent(alice.sub, TEAM, { id: 'oldkept', start: at('09:00'), end: at('10:00'), ...old });
  fake.addEvent(alice.sub, TEAM, { id: 'olddeleted', start: at('10:00'), end: at('11:00'), ...old, status: 'cancelled' });
  fake.addEvent(alice.sub, TEAM, { id: 'fresh', start: at('11:00'), end: at('12:00') });
  fake.addEvent(alice.sub, TEAM, { id: 'freshdeleted', start: at('12:00'), end: at('13:00') });
  t.equal((await call(fake, token, 'DELETE', eventsPath(TEAM, 'freshdeleted'))).status, 204);

  const ids = async (query: string) => (await call(fake, token, 'GET', `${eventsPath(TEAM)}${query}`)).body.items.map((i: Body) => i.id);
  t.same(await ids(''), ['oldkept', 'fresh']);
  t.same(await ids('?showDeleted=false'), ['oldkept', 'fresh']);
  t.same(await ids('?showDeleted=true'), ['oldkept', 'olddeleted', 'fresh', 'freshdeleted']);
  t.same(await ids(`?updatedMin=${encodeURIComponent('2021-01-01T00:00:00Z')}`), ['fresh', 'freshdeleted'], 'updatedMin implies deleted ones');
  const deleted = (await call(fake, token, 'GET', `${eventsPath(TEAM)}?showDeleted=true`)).body.items[3];
  t.match(deleted, { id: 'freshdeleted', status: 'cancelled' });
  t.ok(Date.parse(deleted.updated) >= Date.parse(deleted.created));
  t.match(fake.events(alice.sub, TEAM).map((e) => e.status), ['confirmed', 'cancelled', 'confirmed', 'cancelled']);
});

t.test('events.insert, get, duplicate, invalid id, missing times, reader and freeBusyReader calendars', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const body = {
    id: 'clientchosen0001', summary: 'Planning', description: 'Q1', location: 'Room 1', start: at('09:00'), end: at('10:00'),
    transparency: 'opaque', extendedProperties: { private: { cronofyEventId: 'evt-1' } },
    attendees: [{ email: 'bob@example.com', responseStatus: 'needsAction' }],
  };
  const created = await call(fake, token, 'POST', eventsPath(TEAM), body);
  t.equal(created.status, 200);
  t.match(created.body, {
    ...body, kind: 'calendar#event', status: 'confirmed', etag: /^"\d+"$/, iCalUID: 'clientchosen0001@google.com',
    htmlLink: /eid=/, created: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
  });
  t.equal(created.body.created, created.body.updated);
  t.match(fake.events(alice.sub, TEAM), [{ id: 'clientchosen0001', summary: 'Planning', status: 'confirmed' }]);
  t.same((await call(fake, token, 'GET', eventsPath(TEAM, 'clientchosen0001'))).body, created.body);
  const byProperty = await call(fake, token, 'GET', `${eventsPath(TEAM)}?privateExtendedProperty=${encodeURIComponent('cronofyEventId=evt-1')}`);
  t.same(byProperty.body.items.map((i: Body) => i.id), ['clientchosen0001']);

  const generated = await call(fake, token, 'POST', eventsPath(TEAM), { start: { date: '2026-11-24' }, end: { date: '2026-11-25' } });
  t.match(generated.body.id, /^[a-v0-9]{26}$/);
  t.equal(generated.body.iCalUID, `${generated.body.id}@google.com`);

  const dup = await call(fake, token, 'POST', eventsPath(TEAM), body);
  t.equal(dup.status, 409);
  t.same(dup.body, googleErr(409, 'ABORTED', 'duplicate', 'The requested identifier already exists.'));
  fake.addEvent(alice.sub, TEAM, { id: 'cancelled01', start: at('09:00'), end: at('10:00'), status: 'cancelled' });
  t.equal((await call(fake, token, 'POST', eventsPath(TEAM), { ...body, id: 'cancelled01' })).status, 409, 'even of a cancelled event');

  for (const id of ['UPPERCASE1', 'abc', 'has-dash-01', 'wxyz12345']) {
    const bad = await call(fake, token, 'POST', eventsPath(TEAM), { ...body, id });
    t.equal(bad.status, 400, id);
    t.same(bad.body, googleErr(400, 'INVALID_ARGUMENT', 'invalid', 'Invalid resource id value.'));
  }
  const noEnd = await call(fake, token, 'POST', eventsPath(TEAM), { start: at('09:00') });
  t.same(noEnd.body, googleErr(400, 'INVALID_ARGUMENT', 'required', 'Missing end time.'));
  t.equal((await call(fake, token, 'POST', eventsPath(TEAM), { end: at('09:00') })).body.error.message, 'Missing start time.');
  t.match((await call(fake, token, 'POST', eventsPath(TEAM), { start: at('10:00'), end: at('09:00') })).body, { error: { errors: [{ reason: 'timeRangeEmpty' }] } });
  t.match((await call(fake, token, 'POST', eventsPath(TEAM), { start: { dateTime: '2026-11-24T09:00:00' }, end: { dateTime: '2026-11-24T10:00:00' } })).body, {
    error: { code: 400, message: 'Missing time zone definition for end time.' },
  });
  const zoned = await call(fake, token, 'POST', eventsPath(TEAM), {
    start: { dateTime: '2026-07-01T09:00:00', timeZone: 'Europe/London' }, end: { dateTime: '2026-07-01T10:00:00', timeZone: 'Europe/London' },
  });
  t.equal(zoned.status, 200);
  const parseError = await fetch(`${fake.apiUrl}/calendar/v3${eventsPath(TEAM)}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{' });
  t.same(await parseError.json(), googleErr(400, 'INVALID_ARGUMENT', 'parseError', 'Parse Error'));

  const reader = await call(fake, token, 'POST', eventsPath('holidays@group.v.calendar.google.com'), body);
  t.equal(reader.status, 403);
  t.same(reader.body, googleErr(403, 'PERMISSION_DENIED', 'requiredAccessLevel', 'You need to have writer access to this calendar.'));
  t.equal((await call(fake, token, 'POST', eventsPath('bob@example.com'), body)).status, 403);

  fake.addEvent(alice.sub, 'bob@example.com', { id: 'bobsmeeting', summary: 'Secret', start: at('09:00'), end: at('10:00'), transparency: 'opaque' });
  const bob = await call(fake, token, 'GET', eventsPath('bob@example.com'));
  t.match(bob.body, { accessRole: 'freeBusyReader' });
  t.same(bob.body.items, [{ id: 'bobsmeeting', status: 'confirmed', start: at('09:00'), end: at('10:00'), transparency: 'opaque' }]);
  t.equal(fake.counts.events_insert, 16);
  t.equal(fake.counts.events_get, 1);
});

t.test('events.update (PUT), patch, delete, 404 and 410', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const original = fake.addEvent(alice.sub, TEAM, {
    id: 'meeting01', summary: 'Original', description: 'keep?', start: at('09:00'), end: at('10:00'), created: '2020-01-01T00:00:00.000Z', updated: '2020-01-01T00:00:00.000Z',
  });
  const etag = original.etag;
  const put = await call(fake, token, 'PUT', eventsPath(TEAM, 'meeting01'), { id: 'ignored', summary: 'Replaced', start: at('11:00'), end: at('12:00') });
  t.equal(put.status, 200);
  t.match(put.body, { id: 'meeting01', summary: 'Replaced', start: at('11:00'), created: '2020-01-01T00:00:00.000Z', iCalUID: 'meeting01@google.com' });
  t.notOk('description' in put.body, 'PUT replaces the whole resource');
  t.not(put.body.etag, etag);
  t.ok(put.body.updated > '2020-01-01T00:00:00.000Z');

  const patch = await call(fake, token, 'PATCH', eventsPath(TEAM, 'meeting01'), { location: 'Room 2', summary: null });
  t.equal(patch.status, 200);
  t.match(patch.body, { id: 'meeting01', location: 'Room 2', start: at('11:00'), end: at('12:00') });
  t.notOk('summary' in patch.body, 'null clears a field');
  t.not(patch.body.etag, put.body.etag);
  t.equal((await call(fake, token, 'PATCH', eventsPath(TEAM, 'meeting01'), { end: at('10:00') })).body.error.errors[0].reason, 'timeRangeEmpty');

  const del = await fetch(`${fake.apiUrl}/calendar/v3${eventsPath(TEAM, 'meeting01')}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  t.equal(del.status, 204);
  t.equal(await del.text(), '');
  t.match((await call(fake, token, 'GET', eventsPath(TEAM, 'meeting01'))).body, { id: 'meeting01', status: 'cancelled' });
  const again = await call(fake, token, 'DELETE', eventsPath(TEAM, 'meeting01'));
  t.equal(again.status, 410);
  t.same(again.body, googleErr(410, 'GONE', 'deleted', 'Resource has been deleted'));
  const restored = await call(fake, token, 'PUT', eventsPath(TEAM, 'meeting01'), { summary: 'Back', start: at('11:00'), end: at('12:00') });
  t.match(restored.body, { status: 'confirmed', summary: 'Back' }, 'a full update restores a cancelled event');

  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    const res = await call(fake, token, method, eventsPath(TEAM, 'nosuchevent'), method === 'GET' || method === 'DELETE' ? undefined : { start: at('09:00'), end: at('10:00') });
    t.equal(res.status, 404, method);
    t.same(res.body, googleErr(404, 'NOT_FOUND', 'notFound', 'Not Found'));
  }
  t.equal((await call(fake, token, 'PATCH', eventsPath('holidays@group.v.calendar.google.com', 'x1234'), {})).status, 403);
  t.equal((await call(fake, token, 'DELETE', eventsPath('stranger@example.com', 'x1234'))).status, 404);
  t.match(fake.counts, { events_update: 7, events_delete: 4, events_get: 2 });
});

t.test('freeBusy: merging, clipping, transparent and cancelled skipped, notFound ids', async (t) => {
  const { fake, token } = await eventsSetup(t);
  const add = (calendarId: string, start: object, end: object, extra: object = {}) => fake.addEvent(alice.sub, calendarId, { start, end, ...extra });
  add(alice.email, at('07:00'), at('09:30')); // clipped at timeMin
  add(alice.email, at('10:00'), at('11:00'));
  add(alice.email, at('10:30'), at('11:30')); // overlaps: merged
  add(alice.email, at('10:45'), at('11:15')); // contained
  add(alice.email, at('13:00'), at('14:00'), { transparency: 'transparent' });
  add(alice.email, at('14:00'), at('15:00'), { status: 'cancelled' });
  add(alice.email, at('15:00'), at('16:00'), { attendees: [{ email: alice.email, self: true, responseStatus: 'declined' }] });
  add(alice.email, at('16:00'), at('16:30'), { status: 'tentative' });
  add(alice.email, at('17:00'), at('20:00')); // clipped at timeMax
  add('bob@example.com', { date: '2026-11-24' }, { date: '2026-11-25' });

  const query = { timeMin: '2026-11-24T09:00:00Z', timeMax: '2026-11-24T18:00:00Z', items: [{ id: alice.email }, { id: 'bob@example.com' }, { id: 'stranger@example.com' }] };
  const res = await call(fake, token, 'POST', '/freeBusy', query);
  t.equal(res.status, 200);
  t.same(res.body, {
    kind: 'calendar#freeBusy',
    timeMin: '2026-11-24T09:00:00.000Z',
    timeMax: '2026-11-24T18:00:00.000Z',
    calendars: {
      [alice.email]: {
        busy: [
          { start: '2026-11-24T09:00:00Z', end: '2026-11-24T09:30:00Z' },
          { start: '2026-11-24T10:00:00Z', end: '2026-11-24T11:30:00Z' },
          { start: '2026-11-24T16:00:00Z', end: '2026-11-24T16:30:00Z' },
          { start: '2026-11-24T17:00:00Z', end: '2026-11-24T18:00:00Z' },
        ],
      },
      'bob@example.com': { busy: [{ start: '2026-11-24T09:00:00Z', end: '2026-11-24T18:00:00Z' }] },
      'stranger@example.com': { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] },
    },
  });
  const zoned = await call(fake, token, 'POST', '/freeBusy', { ...query, timeZone: 'Europe/Paris', items: [{ id: 'primary' }] });
  t.same(zoned.body.calendars.primary.busy[0], { start: '2026-11-24T10:00:00+01:00', end: '2026-11-24T10:30:00+01:00' });

  t.same((await call(fake, token, 'POST', '/freeBusy', { timeMax: query.timeMax, items: [] })).body, googleErr(400, 'INVALID_ARGUMENT', 'required', 'Missing timeMin parameter.'));
  t.match((await call(fake, token, 'POST', '/freeBusy', { timeMin: query.timeMin, items: [] })).body, { error: { code: 400, errors: [{ reason: 'required' }] } });
  const empty = await call(fake, token, 'POST', '/freeBusy', { ...query, timeMax: query.timeMin });
  t.same(empty.body, googleErr(400, 'INVALID_ARGUMENT', 'timeRangeEmpty', 'The specified time range is empty.'));
  t.equal(fake.counts.freeBusy, 5);
});

t.test('events and freeBusy: scopes, 401 with an expired token, failNext on an encoded path', async (t) => {
  const { fake, token } = await eventsSetup(t, `${AUTH}calendar.freebusy`);
  const fb = await call(fake, token, 'POST', '/freeBusy', { timeMin: '2026-11-24T09:00:00Z', timeMax: '2026-11-24T18:00:00Z', items: [{ id: TEAM }] });
  t.equal(fb.status, 200, 'calendar.freebusy is enough for freeBusy');
  const list = await call(fake, token, 'GET', eventsPath(TEAM));
  t.equal(list.status, 403);
  t.same(list.body, {
    error: {
      code: 403, message: 'Request had insufficient authentication scopes.', status: 'PERMISSION_DENIED',
      errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    },
  });
  t.match(list.headers.get('www-authenticate'), /error="insufficient_scope"/);

  const readonly = (await login(fake, { scope: `openid ${AUTH}calendar.events.readonly` })).access_token;
  t.equal((await call(fake, readonly, 'GET', eventsPath(TEAM))).status, 200);
  const insert = await call(fake, readonly, 'POST', eventsPath(TEAM), { start: at('09:00'), end: at('10:00') });
  t.equal(insert.status, 403);
  t.match(insert.body, { error: { errors: [{ reason: 'insufficientPermissions' }] } });
  t.equal((await call(fake, readonly, 'DELETE', eventsPath(TEAM, 'abcde'))).status, 403);
  const email = (await login(fake, { scope: 'openid email' })).access_token;
  t.equal((await call(fake, email, 'POST', '/freeBusy', {})).status, 403);

  const encoded = `/calendar/v3/calendars/${encodeURIComponent(HOLIDAY)}/events`;
  t.equal(encoded, '/calendar/v3/calendars/en.uk%23holiday%40group.v.calendar.google.com/events');
  fake.failNext(encoded, 503);
  t.equal((await call(fake, readonly, 'GET', eventsPath(HOLIDAY))).status, 503);
  t.equal((await call(fake, readonly, 'GET', eventsPath(HOLIDAY))).status, 200);

  fake.expireAccessTokens();
  const unauthenticated = {
    error: {
      code: 401,
      message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
      status: 'UNAUTHENTICATED',
    },
  };
  for (const [method, path, body] of [
    ['GET', eventsPath(TEAM)], ['GET', eventsPath(TEAM, 'abcde')], ['POST', eventsPath(TEAM), {}], ['PUT', eventsPath(TEAM, 'abcde'), {}],
    ['PATCH', eventsPath(TEAM, 'abcde'), {}], ['DELETE', eventsPath(TEAM, 'abcde')], ['POST', '/freeBusy', {}],
  ] as const) {
    const res = await call(fake, readonly, method, path, body);
    t.equal(res.status, 401, `${method} ${path}`);
    t.same(res.body, unauthenticated);
  }
  t.equal((await call(fake, undefined, 'GET', eventsPath(TEAM))).status, 401);
  t.match(fake.counts, { events_list: 6, events_get: 1, events_insert: 2, events_update: 2, events_delete: 2, freeBusy: 3 });
});
