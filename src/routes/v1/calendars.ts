// GET /v1/calendars in Cronofy's shape, listed live from every connected profile.
import type { FastifyInstance } from 'fastify';
import { formatCalendar, listAccountCalendars } from '../../calendar/account-calendars.js';
import { CalendarList } from '../../schemas/calendars.js';
import type { UpstreamAccess } from '../../upstream/access.js';

export async function calendarRoutes(app: FastifyInstance, options: { upstream: UpstreamAccess }) {
  app.get('/v1/calendars', { config: { errorStyle: 'api', scope: 'list_calendars' }, schema: { response: { 200: CalendarList } } }, async (request) => {
    const live = await listAccountCalendars(app.db, app.providers, options.upstream, request.bearer.grant.accountId);
    return { calendars: live.map(formatCalendar) };
  });
}
