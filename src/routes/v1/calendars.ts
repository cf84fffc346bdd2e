// GET /v1/calendars in Cronofy's shape, listed live from every connected profile.
import type { FastifyInstance } from 'fastify';
import { calendarIds } from '../../storage/calendars.js';
import { connectedProfiles } from '../../storage/profiles.js';
import type { UpstreamAccess } from '../../upstream/access.js';

export async function calendarRoutes(app: FastifyInstance, options: { upstream: UpstreamAccess }) {
  app.get('/v1/calendars', { config: { errorStyle: 'api', scope: 'list_calendars' } }, async (request) => {
    const result = [];
    for (const profile of await connectedProfiles(app.db, request.bearer.grant.accountId)) {
      const provider = app.providers.get(profile.providerName);
      // A provider switched off by the operator: its calendars cannot be read.
      if (!provider) continue;
      const upstream = await options.upstream.call(profile, provider, (token) => provider.calendars.listCalendars(token));
      const ids = await calendarIds(app.db, profile.id, upstream.map((c) => c.upstreamId));
      for (const calendar of upstream) {
        result.push({
          provider_name: profile.providerName,
          profile_id: profile.id,
          profile_name: profile.profileName,
          calendar_id: ids.get(calendar.upstreamId)!,
          calendar_name: calendar.name,
          calendar_readonly: calendar.readonly,
          calendar_deleted: calendar.deleted,
          calendar_primary: calendar.primary,
          calendar_integrated_conferencing_available: false,
          calendar_attachments_available: false,
          permission_level: 'unrestricted',
        });
      }
    }
    return { calendars: result };
  });
}
