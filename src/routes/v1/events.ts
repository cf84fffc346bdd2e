// GET /v1/events and GET /v1/free_busy, merged across every connected calendar and paged
// Cronofy-style: next_page is an absolute URL fetched with the same bearer token.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listAccountCalendars, type LiveCalendar } from '../../calendar/account-calendars.js';
import { parseEventsQuery, type EventsQuery } from '../../calendar/event-query.js';
import { formatEvent, managedEventId, startOrder } from '../../calendar/events.js';
import type { Pager, Paged } from '../../calendar/pages.js';
import { EventsPage, FreeBusyPage, type CronofyEvent, type FreeBusyPeriod } from '../../schemas/events.js';
import type { UpstreamAccess } from '../../upstream/access.js';
import { EventsQuery as EventsQueryDoc, FreeBusyQuery } from '../../schemas/requests.js';
import { API_ERRORS, apiError, described, PROFILE_DISCONNECTED, SCOPE_ERROR, validationErrors } from '../../schemas/responses.js';

export interface EventRouteOptions {
  upstream: UpstreamAccess;
  pager: Pager;
}

const PAGING =
  'Pages hold 100 items. The first request reads everything once and keeps a snapshot for an hour, so walking `pages.next_page` ' +
  '(an absolute URL, fetched with the same token) returns every item exactly once.';
const READ_ERRORS = { ...API_ERRORS, ...SCOPE_ERROR, ...PROFILE_DISCONNECTED };
const PageParams = Type.Object({ page: Type.String({ description: 'From `pages.next_page`.' }) });
const PAGE_GONE = { 404: apiError('The page does not exist, has expired, or belongs to another grant (`not_found`).') };

// The query is read by parseEventsQuery, not validated by fastify: errors must stay Cronofy's 422s.
const eventsSchema = {
  summary: 'Read events',
  description:
    'Events of every connected calendar, merged in start order. All-day events have dates as `start` and `end` (end exclusive); ' +
    'other events have UTC times. Events the app created are left out unless `include_managed=true`. ' + PAGING,
  tags: ['Calendar API'],
  response: { 200: described(EventsPage, 'A page of events.') },
  documentation: { querystring: EventsQueryDoc, response: { ...READ_ERRORS, 422: validationErrors('A parameter was refused.') } },
};
const eventsPageSchema = {
  summary: 'Read the next page of events',
  description: 'A later page of a `/v1/events` answer, from its `pages.next_page`.',
  tags: ['Calendar API'],
  params: PageParams,
  response: { 200: described(EventsPage, 'A page of events.') },
  documentation: { response: { ...API_ERRORS, ...SCOPE_ERROR, ...PAGE_GONE } },
};
const freeBusySchema = {
  summary: 'Read free/busy',
  description:
    'The busy periods of every connected calendar, in start order. The `read_events` scope also allows this. ' + PAGING,
  tags: ['Calendar API'],
  response: { 200: described(FreeBusyPage, 'A page of busy periods.') },
  documentation: { querystring: FreeBusyQuery, response: { ...READ_ERRORS, 422: validationErrors('A parameter was refused.') } },
};
const freeBusyPageSchema = {
  summary: 'Read the next page of free/busy',
  description: 'A later page of a `/v1/free_busy` answer, from its `pages.next_page`.',
  tags: ['Calendar API'],
  params: PageParams,
  response: { 200: described(FreeBusyPage, 'A page of busy periods.') },
  documentation: { response: { ...API_ERRORS, ...SCOPE_ERROR, ...PAGE_GONE } },
};

export async function eventReadRoutes(app: FastifyInstance, { upstream, pager }: EventRouteOptions) {
  async function calendarsFor(request: FastifyRequest, query: EventsQuery): Promise<LiveCalendar[]> {
    const live = await listAccountCalendars(app.db, app.providers, upstream, request.bearer.grant.accountId);
    return live.filter((c) => !c.calendar.deleted && (!query.calendarIds || query.calendarIds.has(c.calendar.id)));
  }

  async function readEvents(request: FastifyRequest, query: EventsQuery): Promise<CronofyEvent[]> {
    const appId = request.bearer.grant.appId;
    const perCalendar = await Promise.all(
      (await calendarsFor(request, query)).map(async ({ calendar, profile, provider }) => {
        const events = await upstream.call(
          profile,
          provider,
          (token) =>
            provider.events.listEvents(token, calendar.upstreamId, {
              from: query.from,
              to: query.to,
              includeDeleted: query.includeDeleted,
              updatedSince: query.lastModified,
            }),
          { idempotent: true },
        );
        return events
          .filter((event) => {
            const managed = managedEventId(event, appId) !== undefined;
            return query.onlyManaged ? managed : managed ? query.includeManaged : true;
          })
          .map((event) => ({ order: startOrder(event), formatted: formatEvent(event, calendar, appId) }));
      }),
    );
    return perCalendar
      .flat()
      .sort((a, b) => a.order - b.order || a.formatted.calendar_id.localeCompare(b.formatted.calendar_id) || a.formatted.event_uid.localeCompare(b.formatted.event_uid))
      .map((e) => e.formatted);
  }

  async function readFreeBusy(request: FastifyRequest, query: EventsQuery): Promise<FreeBusyPeriod[]> {
    const byProfile = new Map<string, LiveCalendar[]>();
    for (const live of await calendarsFor(request, query)) byProfile.set(live.profile.id, [...(byProfile.get(live.profile.id) ?? []), live]);
    const periods: FreeBusyPeriod[] = [];
    for (const calendars of byProfile.values()) {
      const { profile, provider } = calendars[0]!;
      const ids = new Map(calendars.map((c) => [c.calendar.upstreamId, c.calendar.id]));
      const busy = await upstream.call(profile, provider, (token) => provider.freeBusy.freeBusy(token, [...ids.keys()], query.from, query.to), { idempotent: true });
      for (const period of busy) {
        const calendarId = ids.get(period.calendarUpstreamId);
        if (calendarId) periods.push({ calendar_id: calendarId, start: period.start, end: period.end, free_busy_status: 'busy' });
      }
    }
    return periods.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.calendar_id.localeCompare(b.calendar_id));
  }

  const eventsBody = (page: Paged<CronofyEvent>) => ({ pages: page.pages, events: page.items });
  const freeBusyBody = (page: Paged<FreeBusyPeriod>) => ({ pages: page.pages, free_busy: page.items });
  const events = { config: { errorStyle: 'api' as const, scope: 'read_events' as const } };
  const freeBusy = { config: { errorStyle: 'api' as const, scope: 'read_free_busy' as const } };

  app.get('/v1/events', { ...events, schema: eventsSchema }, async (request) => {
    const query = parseEventsQuery(request.query);
    return eventsBody(await pager.first(request.bearer.grant.id, 'events', '/v1/events/pages', await readEvents(request, query)));
  });

  app.get<{ Params: { page: string } }>('/v1/events/pages/:page', { ...events, schema: eventsPageSchema }, async (request) =>
    eventsBody(await pager.next<CronofyEvent>(request.bearer.grant.id, 'events', '/v1/events/pages', request.params.page)),
  );

  app.get('/v1/free_busy', { ...freeBusy, schema: freeBusySchema }, async (request) => {
    const query = parseEventsQuery(request.query);
    return freeBusyBody(await pager.first(request.bearer.grant.id, 'free_busy', '/v1/free_busy/pages', await readFreeBusy(request, query)));
  });

  app.get<{ Params: { page: string } }>('/v1/free_busy/pages/:page', { ...freeBusy, schema: freeBusyPageSchema }, async (request) =>
    freeBusyBody(await pager.next<FreeBusyPeriod>(request.bearer.grant.id, 'free_busy', '/v1/free_busy/pages', request.params.page)),
  );
}
