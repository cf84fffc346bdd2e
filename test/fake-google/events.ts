// Calendar API v3 events resource: list, get, insert, update (PUT), patch, delete.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  anyOf,
  authenticate,
  etagOf,
  EVENTS_READ_SCOPES,
  EVENTS_WRITE_SCOPES,
  invalidParam,
  isObject,
  notFound,
  PARSE_ERROR,
  reachableCalendar,
  ROLE_RANK,
  sendError,
  sendParseError,
  type JsonObject,
} from './api.js';
import {
  EVENT_ID,
  eventResource,
  instantOf,
  markCancelled,
  parseRfc3339,
  patched,
  storeNewEvent,
  storeReplacement,
  validateEvent,
  writableFields,
  type BodyError,
} from './event-model.js';
import { randomToken, type Counts, type EventCursor, type FakeCalendar, type FakeEvent, type FakeState } from './state.js';

const LIST_DEFAULT = 250;
const LIST_CAP = 2500; // Google silently caps larger values
const EVENTS_PATH = /^\/calendar\/v3\/calendars\/[^/]+\/events(?:\/([^/]+))?$/;

/** Which events/freeBusy operation a request is, for the counts (undefined for anything else). */
export function eventCountOf(method: string, path: string): keyof Counts | undefined {
  if (path === '/calendar/v3/freeBusy') return method === 'POST' ? 'freeBusy' : undefined;
  const m = EVENTS_PATH.exec(path);
  if (!m) return undefined;
  if (m[1] === undefined) return method === 'GET' ? 'events_list' : method === 'POST' ? 'events_insert' : undefined;
  if (method === 'GET') return 'events_get';
  if (method === 'PUT' || method === 'PATCH') return 'events_update';
  return method === 'DELETE' ? 'events_delete' : undefined;
}

type Params = { calendarId: string; eventId?: string };

interface Ctx {
  sub: string;
  cal: FakeCalendar;
  store: Map<string, FakeEvent>;
}

function bodyError(reply: FastifyReply, e: BodyError) {
  return sendError(reply, e.code, e.reason, e.message);
}

/** Key of an event in a listing order: (time, id) ascending. */
const sortKey = (e: FakeEvent, orderBy: EventCursor['orderBy']) =>
  ({ time: orderBy === 'updated' ? Date.parse(e.updated) : instantOf(e.start), id: e.id });
const compareKeys = (a: { time: number; id: string }, b: { time: number; id: string }) =>
  a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** `name=value` filters on extended properties (repeatable; all must match). */
function propertyFilter(values: string[], scope: 'private' | 'shared') {
  const pairs = values.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] as const);
  return (e: FakeEvent) => pairs.every(([k, v]) => e.extendedProperties?.[scope]?.[k] === v);
}

export function registerEventRoutes(app: FastifyInstance, state: FakeState) {
  /** Auth, scope and calendar lookup shared by every route; sends the error and returns undefined on failure. */
  function context(req: FastifyRequest, reply: FastifyReply, write: boolean): Ctx | undefined {
    const scopes = write ? EVENTS_WRITE_SCOPES : EVENTS_READ_SCOPES;
    const token = authenticate(state, req, reply, anyOf(scopes), scopes.join(' '));
    if (!token) return undefined;
    const { calendarId } = req.params as Params;
    const sub = token.grant.sub;
    const cal = reachableCalendar(state, sub, calendarId);
    if (!cal) {
      notFound(reply);
      return undefined;
    }
    if (write && ROLE_RANK[cal.accessRole] < ROLE_RANK.writer) {
      sendError(reply, 403, 'requiredAccessLevel', 'You need to have writer access to this calendar.');
      return undefined;
    }
    return { sub, cal, store: state.eventStore(sub, cal.id) };
  }

  app.get('/calendar/v3/calendars/:calendarId/events', async (req, reply) => {
    const ctx = context(req, reply, false);
    if (!ctx) return reply;
    const search = new URL(req.url, 'http://x').searchParams;
    const q = Object.fromEntries(search);

    const times: Record<string, number | undefined> = {};
    for (const name of ['timeMin', 'timeMax', 'updatedMin'] as const) {
      if (q[name] === undefined) continue;
      times[name] = parseRfc3339(q[name]);
      if (times[name] === undefined) return sendError(reply, 400, 'badRequest', 'Bad Request');
    }
    const { timeMin, timeMax, updatedMin } = times;
    if (timeMin !== undefined && timeMax !== undefined && timeMax <= timeMin) {
      return sendError(reply, 400, 'timeRangeEmpty', 'The specified time range is empty.', { location: 'timeMax', locationType: 'parameter' });
    }
    let maxResults = LIST_DEFAULT;
    if (q.maxResults !== undefined) {
      maxResults = Number(q.maxResults);
      if (!/^\d+$/.test(q.maxResults) || maxResults < 1) return invalidParam(reply, 'maxResults');
    }
    const pageSize = Math.min(maxResults, LIST_CAP, state.eventPageSize);
    if (q.orderBy !== undefined && q.orderBy !== 'startTime' && q.orderBy !== 'updated') return invalidParam(reply, 'orderBy');
    if (q.orderBy === 'startTime' && q.singleEvents !== 'true') {
      return sendError(reply, 400, 'badRequest', 'The requested ordering is not available for the particular query.');
    }
    const orderBy: EventCursor['orderBy'] = q.orderBy === 'updated' ? 'updated' : 'start';
    // Sync tokens are never honoured: 410 forces a full sync, which Google may demand at any time.
    if (q.syncToken !== undefined) {
      return sendError(reply, 410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');
    }
    let after: { time: number; id: string } | undefined;
    if (q.pageToken !== undefined) {
      const c = state.eventPageTokens.get(q.pageToken);
      if (!c || c.sub !== ctx.sub || c.calendarId !== ctx.cal.id || c.orderBy !== orderBy) return invalidParam(reply, 'pageToken');
      after = { time: c.afterTime, id: c.afterId };
    }

    const showDeleted = q.showDeleted === 'true' || updatedMin !== undefined;
    const filters = [
      propertyFilter(search.getAll('privateExtendedProperty'), 'private'),
      propertyFilter(search.getAll('sharedExtendedProperty'), 'shared'),
    ];
    const all = [...ctx.store.values()]
      .filter(
        (e) =>
          (showDeleted || e.status !== 'cancelled') &&
          (timeMin === undefined || instantOf(e.end) > timeMin) &&
          (timeMax === undefined || instantOf(e.start) < timeMax) &&
          (updatedMin === undefined || Date.parse(e.updated) >= updatedMin) &&
          (q.iCalUID === undefined || e.iCalUID === q.iCalUID) &&
          filters.every((f) => f(e)),
      )
      .map((e) => ({ e, key: sortKey(e, orderBy) }))
      .sort((a, b) => compareKeys(a.key, b.key));
    const rest = after ? all.filter((x) => compareKeys(x.key, after) > 0) : all;
    const page = rest.slice(0, pageSize);
    const last = page.at(-1);
    let nextPageToken: string | undefined;
    if (rest.length > pageSize && last) {
      nextPageToken = randomToken(24);
      state.eventPageTokens.set(nextPageToken, { sub: ctx.sub, calendarId: ctx.cal.id, orderBy, afterTime: last.key.time, afterId: last.key.id });
    }
    const items = page.map((x) => eventResource(ctx.cal, x.e));
    const lastUpdate = Math.max(0, ...[...ctx.store.values()].map((e) => Date.parse(e.updated)));
    return {
      kind: 'calendar#events',
      etag: etagOf(items.map((i) => i.etag ?? i.id)),
      summary: ctx.cal.summary,
      updated: new Date(lastUpdate).toISOString(),
      timeZone: ctx.cal.timeZone ?? 'UTC',
      accessRole: ctx.cal.accessRole,
      defaultReminders: [],
      ...(nextPageToken ? { nextPageToken } : { nextSyncToken: `CP${randomToken(18)}` }),
      items,
    };
  });

  app.get('/calendar/v3/calendars/:calendarId/events/:eventId', async (req, reply) => {
    const ctx = context(req, reply, false);
    if (!ctx) return reply;
    const event = ctx.store.get((req.params as Params).eventId ?? '');
    return event ? eventResource(ctx.cal, event) : notFound(reply);
  });

  app.post('/calendar/v3/calendars/:calendarId/events', async (req, reply) => {
    const ctx = context(req, reply, true);
    if (!ctx) return reply;
    if (req.body === PARSE_ERROR) return sendParseError(reply);
    const body = isObject(req.body) ? req.body : {};
    const invalid = validateEvent(body);
    if (invalid) return bodyError(reply, invalid);
    const id = body.id;
    if (id != null && (typeof id !== 'string' || !EVENT_ID.test(id))) {
      return sendError(reply, 400, 'invalid', 'Invalid resource id value.');
    }
    if (typeof id === 'string' && ctx.store.has(id)) {
      return sendError(reply, 409, 'duplicate', 'The requested identifier already exists.');
    }
    const fields = writableFields(body) as Partial<FakeEvent> & Pick<FakeEvent, 'start' | 'end'>;
    const stored = storeNewEvent(state, ctx.sub, ctx.cal.id, {
      ...fields,
      ...(typeof id === 'string' ? { id } : {}),
      ...(typeof body.iCalUID === 'string' ? { iCalUID: body.iCalUID } : {}),
    });
    return eventResource(ctx.cal, stored);
  });

  /** PUT replaces the writable fields; PATCH merges top-level fields (null clears one). */
  async function update(req: FastifyRequest, reply: FastifyReply, merge: boolean) {
    const ctx = context(req, reply, true);
    if (!ctx) return reply;
    const prev = ctx.store.get((req.params as Params).eventId ?? '');
    if (!prev) return notFound(reply);
    if (req.body === PARSE_ERROR) return sendParseError(reply);
    const body: JsonObject = isObject(req.body) ? req.body : {};
    // A full update of a cancelled event restores it, unless the body says otherwise.
    const next = merge ? patched(prev, body) : { status: 'confirmed', ...writableFields(body) };
    const invalid = validateEvent(next);
    if (invalid) return bodyError(reply, invalid);
    return eventResource(ctx.cal, storeReplacement(state, ctx.sub, ctx.cal.id, prev, next));
  }
  app.put('/calendar/v3/calendars/:calendarId/events/:eventId', (req, reply) => update(req, reply, false));
  app.patch('/calendar/v3/calendars/:calendarId/events/:eventId', (req, reply) => update(req, reply, true));

  app.delete('/calendar/v3/calendars/:calendarId/events/:eventId', async (req, reply) => {
    const ctx = context(req, reply, true);
    if (!ctx) return reply;
    const event = ctx.store.get((req.params as Params).eventId ?? '');
    if (!event) return notFound(reply);
    if (event.status === 'cancelled') return sendError(reply, 410, 'deleted', 'Resource has been deleted');
    markCancelled(event);
    return reply.code(204).send();
  });
}
