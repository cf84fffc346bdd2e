// Calendar API v3 (served under /calendar/v3): calendarList.list.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { googleError, queryOf, randomToken, type FakeCalendar, type FakeState } from './state.js';

const ROLE_RANK: Record<FakeCalendar['accessRole'], number> = { freeBusyReader: 0, reader: 1, writer: 2, owner: 3 };
const MAX_RESULTS_DEFAULT = 100;
const MAX_RESULTS_CAP = 250; // Google silently caps larger values
const BEARER_REALM = 'Bearer realm="https://accounts.google.com/"';

const etagOf = (value: unknown) => `"${BigInt('0x' + createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 13)).toString()}"`;

function invalidParam(reply: FastifyReply, location: string, message = 'Invalid Value') {
  return reply
    .code(400)
    .send(googleError(400, message, [{ message, domain: 'global', reason: 'invalid', location, locationType: 'parameter' }]));
}

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
    const token = state.accessTokenFrom(req);
    if (!token) {
      const message = 'Invalid Credentials';
      return reply
        .code(401)
        .header('www-authenticate', `${BEARER_REALM}, error="invalid_token"`)
        .send(
          googleError(
            401,
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
            [{ message, domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
          ),
        );
    }
    if (!token.grant.scopes.some((s) => s.includes('/auth/calendar'))) {
      const message = 'Insufficient Permission';
      return reply
        .code(403)
        .header('www-authenticate', `${BEARER_REALM}, error="insufficient_scope", scope="https://www.googleapis.com/auth/calendar"`)
        .send(
          googleError(403, 'Request had insufficient authentication scopes.', [
            { message, domain: 'global', reason: 'insufficientPermissions' },
          ]),
        );
    }

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
      const message = 'Sync token is no longer valid, a full sync is required.';
      return reply.code(410).send(googleError(410, message, [{ message, domain: 'global', reason: 'fullSyncRequired' }]));
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
