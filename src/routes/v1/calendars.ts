// GET /v1/calendars in Cronofy's shape, listed live from every connected profile.
import type { FastifyInstance } from 'fastify';
import { formatCalendar, listAccountCalendars } from '../../calendar/account-calendars.js';
import { CalendarList } from '../../schemas/calendars.js';
import { API_ERRORS, described, PROFILE_DISCONNECTED, SCOPE_ERROR } from '../../schemas/responses.js';
import type { UpstreamAccess } from '../../upstream/access.js';

const calendarsSchema = {
  summary: 'List calendars',
  description: "Every connected profile's calendars, listed live from the provider. A disconnected profile is skipped, unless no profile is left to list.",
  tags: ['Calendar API'],
  response: { 200: described(CalendarList, 'The calendars.') },
  documentation: { response: { ...API_ERRORS, ...SCOPE_ERROR, ...PROFILE_DISCONNECTED } },
};

export async function calendarRoutes(app: FastifyInstance, options: { upstream: UpstreamAccess }) {
  app.get('/v1/calendars', { config: { errorStyle: 'api', scope: 'list_calendars' }, schema: calendarsSchema }, async (request) => {
    const live = await listAccountCalendars(app.db, app.providers, options.upstream, request.bearer.grant.accountId);
    return { calendars: live.map(formatCalendar) };
  });
}
