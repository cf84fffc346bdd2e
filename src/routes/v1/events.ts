// GET /v1/events and GET /v1/free_busy, merged across every connected calendar and paged
// Cronofy-style: next_page is an absolute URL fetched with the same bearer token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listAccountCalendars, type LiveCalendar } from '../../calendar/account-calendars.js';
import { parseEventsQuery, type EventsQuery } from '../../calendar/event-query.js';
import { formatEvent, managedEventId, startOrder } from '../../calendar/events.js';
import type { Pager, Paged } from '../../calendar/pages.js';
import { EventsPage, FreeBusyPage, type CronofyEvent, type FreeBusyPeriod } from '../../schemas/events.js';
import type { UpstreamAccess } from '../../upstream/access.js';

export interface EventRouteOptions {
  upstream: UpstreamAccess;
  pager: Pager;
}

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
  const events = { config: { errorStyle: 'api' as const, scope: 'read_events' as const }, schema: { response: { 200: EventsPage } } };
  const freeBusy = { config: { errorStyle: 'api' as const, scope: 'read_free_busy' as const }, schema: { response: { 200: FreeBusyPage } } };

  app.get('/v1/events', events, async (request) => {
    const query = parseEventsQuery(request.query);
    return eventsBody(await pager.first(request.bearer.grant.id, 'events', '/v1/events/pages', await readEvents(request, query)));
  });

  app.get<{ Params: { page: string } }>('/v1/events/pages/:page', events, async (request) =>
    eventsBody(await pager.next<CronofyEvent>(request.bearer.grant.id, 'events', '/v1/events/pages', request.params.page)),
  );

  app.get('/v1/free_busy', freeBusy, async (request) => {
    const query = parseEventsQuery(request.query);
    return freeBusyBody(await pager.first(request.bearer.grant.id, 'free_busy', '/v1/free_busy/pages', await readFreeBusy(request, query)));
  });

  app.get<{ Params: { page: string } }>('/v1/free_busy/pages/:page', freeBusy, async (request) =>
    freeBusyBody(await pager.next<FreeBusyPeriod>(request.bearer.grant.id, 'free_busy', '/v1/free_busy/pages', request.params.page)),
  );
}
