// Calendar API v3 (served under /calendar/v3): calendarList.list.
import type { FastifyInstance } from 'fastify';
import { authenticate, CALENDAR_SCOPE, etagOf, invalidParam, ROLE_RANK, sendError } from './api.js';
import { queryOf, randomToken, type FakeCalendar, type FakeState } from './state.js';

const MAX_RESULTS_DEFAULT = 100;
const MAX_RESULTS_CAP = 250; // Google silently caps larger values

function calendarListEntry(cal: FakeCalendar) {
  const entry = {
    kind: 'calendar#calendarListEntry',
    id: cal.id,
    summary: cal.summary,
    ...(cal.summaryOverride !== undefined ? { summaryOverride: cal.summaryOverride } : {}),
    timeZone: cal.timeZone ?? 'UTC',
    colorId: '14',
    backgroundColor: '#9fe1e7',
    foregroundColor: '#000000',
    selected: true,
    accessRole: cal.accessRole,
    defaultReminders: [],
    // Google only emits these booleans when they are true.
    ...(cal.primary ? { primary: true } : {}),
    ...(cal.deleted ? { deleted: true } : {}),
  };
  const { kind, ...rest } = entry;
  return { kind, etag: etagOf(entry), ...rest };
}

export function registerCalendarRoutes(app: FastifyInstance, state: FakeState) {
  app.get('/calendar/v3/users/me/calendarList', async (req, reply) => {
    // Any calendar scope (calendar, calendar.readonly, calendar.events, ...) may list calendars here.
    const token = authenticate(state, req, reply, (granted) => granted.some((s) => s.includes('/auth/calendar')), CALENDAR_SCOPE);
    if (!token) return reply;

    const q = queryOf(req);
    let maxResults = MAX_RESULTS_DEFAULT;
    if (q.maxResults !== undefined) {
      maxResults = Number(q.maxResults);
      if (!/^\d+$/.test(q.maxResults) || maxResults < 1) return invalidParam(reply, 'maxResults');
    }
    const pageSize = Math.min(maxResults, MAX_RESULTS_CAP, state.calendarPageSize);

    let minRank = 0;
    if (q.minAccessRole !== undefined) {
      const rank = ROLE_RANK[q.minAccessRole as FakeCalendar['accessRole']];
      if (rank === undefined) return invalidParam(reply, 'minAccessRole');
      minRank = rank;
    }

    // A sync token is never honoured: answering 410 forces the client to do a full sync, which Google may do at any time.
    if (q.syncToken !== undefined) {
      return sendError(reply, 410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');
    }

    const sub = token.grant.sub;
    let offset = 0;
    if (q.pageToken !== undefined) {
      const cursor = state.pageTokens.get(q.pageToken);
      if (!cursor || cursor.sub !== sub) return invalidParam(reply, 'pageToken');
      offset = cursor.offset;
    }

    const all = (state.users.get(sub)?.calendars ?? []).filter(
      (c) => (q.showDeleted === 'true' || !c.deleted) && ROLE_RANK[c.accessRole] >= minRank,
    );
    const items = all.slice(offset, offset + pageSize).map(calendarListEntry);
    const next = offset + pageSize < all.length ? offset + pageSize : undefined;
    let nextPageToken: string | undefined;
    if (next !== undefined) {
      nextPageToken = randomToken(24);
      state.pageTokens.set(nextPageToken, { sub, offset: next });
    }
    return {
      kind: 'calendar#calendarList',
      etag: etagOf(items.map((i) => i.etag)),
      ...(nextPageToken ? { nextPageToken } : { nextSyncToken: `CP${randomToken(18)}` }),
      items,
    };
  });
}
