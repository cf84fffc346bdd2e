// Calendar API v3 freebusy.query: POST /calendar/v3/freeBusy.
import type { FastifyInstance } from 'fastify';
import {
  anyOf,
  authenticate,
  FREEBUSY_SCOPES,
  isObject,
  PARSE_ERROR,
  reachableCalendar,
  sendError,
  sendParseError,
} from './api.js';
import { formatInZone, instantOf, parseRfc3339, utcSeconds, validTimeZone } from './event-model.js';
import type { FakeEvent, FakeState } from './state.js';

type Interval = [start: number, end: number];

/** Does this event make its calendar busy? Cancelled, transparent and declined-by-the-owner events do not. */
const isBusy = (e: FakeEvent) =>
  e.status !== 'cancelled' &&
  e.transparency !== 'transparent' &&
  !e.attendees?.some((a) => a.self && a.responseStatus === 'declined');

/** Busy intervals of `events` within [min, max): clipped, sorted, overlapping ones merged. */
export function busyIntervals(events: Iterable<FakeEvent>, min: number, max: number): Interval[] {
  const clipped: Interval[] = [];
  for (const e of events) {
    if (!isBusy(e)) continue;
    const start = Math.max(instantOf(e.start), min);
    const end = Math.min(instantOf(e.end), max);
    if (end > start) clipped.push([start, end]);
  }
  clipped.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Interval[] = [];
  for (const iv of clipped) {
    const last = merged.at(-1);
    if (last && iv[0] < last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  return merged;
}

export function registerFreeBusyRoutes(app: FastifyInstance, state: FakeState) {
  app.post('/calendar/v3/freeBusy', async (req, reply) => {
    const token = authenticate(state, req, reply, anyOf(FREEBUSY_SCOPES), FREEBUSY_SCOPES.join(' '));
    if (!token) return reply;
    if (req.body === PARSE_ERROR) return sendParseError(reply);
    const body = isObject(req.body) ? req.body : {};

    for (const name of ['timeMin', 'timeMax'] as const) {
      if (body[name] == null) return sendError(reply, 400, 'required', `Missing ${name} parameter.`);
    }
    const min = parseRfc3339(body.timeMin);
    const max = parseRfc3339(body.timeMax);
    if (min === undefined || max === undefined) return sendError(reply, 400, 'badRequest', 'Bad Request');
    if (max <= min) return sendError(reply, 400, 'timeRangeEmpty', 'The specified time range is empty.');
    const timeZone = body.timeZone ?? 'UTC';
    if (typeof timeZone !== 'string' || !validTimeZone(timeZone)) {
      return sendError(reply, 400, 'invalid', 'Invalid Value', { location: 'timeZone', locationType: 'parameter' });
    }
    const format = (t: number) => (timeZone === 'UTC' ? utcSeconds(t) : formatInZone(t, timeZone));

    const sub = token.grant.sub;
    const calendars: Record<string, unknown> = {};
    const items = Array.isArray(body.items) ? body.items : [];
    for (const item of items) {
      const id = isObject(item) && typeof item.id === 'string' ? item.id : '';
      const cal = reachableCalendar(state, sub, id);
      if (!cal) {
        calendars[id] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
        continue;
      }
      const busy = busyIntervals(state.eventStore(sub, cal.id).values(), min, max);
      calendars[id] = { busy: busy.map(([s, e]) => ({ start: format(s), end: format(e) })) };
    }
    return {
      kind: 'calendar#freeBusy',
      timeMin: new Date(min).toISOString(),
      timeMax: new Date(max).toISOString(),
      calendars,
    };
  });
}
