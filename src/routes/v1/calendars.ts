// GET /v1/calendars in Cronofy's shape, listed live from every connected profile.
import type { FastifyInstance } from 'fastify';
import { CalendarList, type Calendar } from '../../schemas/calendars.js';
import { calendarIds } from '../../storage/calendars.js';
import { accountProfiles } from '../../storage/profiles.js';
import type { Profile } from '../../storage/schema.js';
import { ProfileDisconnectedError, type UpstreamAccess } from '../../upstream/access.js';

export async function calendarRoutes(app: FastifyInstance, options: { upstream: UpstreamAccess }) {
  app.get('/v1/calendars', { config: { errorStyle: 'api', scope: 'list_calendars' }, schema: { response: { 200: CalendarList } } }, async (request): Promise<CalendarList> => {
    const calendars: Calendar[] = [];
    const disconnected: Profile[] = [];
    let listedProfiles = 0;
    for (const profile of await accountProfiles(app.db, request.bearer.grant.accountId)) {
      const provider = app.providers.get(profile.providerName);
      // A provider switched off by the operator: its calendars cannot be read.
      if (!provider) continue;
      if (!profile.connected) {
        disconnected.push(profile);
        continue;
      }
      let upstream;
      try {
        upstream = await options.upstream.call(profile, provider, (token) => provider.calendars.listCalendars(token));
      } catch (error) {
        if (!(error instanceof ProfileDisconnectedError)) throw error;
        disconnected.push(profile);
        continue;
      }
      listedProfiles += 1;
      const ids = await calendarIds(app.db, profile.id, upstream.map((c) => c.upstreamId));
      for (const calendar of upstream) {
        calendars.push({
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
    // A dead profile beside live ones is skipped (its state shows in /v1/profiles); with nothing
    // listable at all, an empty list would mislead, so the answer names the profile to reconnect.
    if (listedProfiles === 0 && disconnected[0]) throw new ProfileDisconnectedError(disconnected[0]);
    return { calendars };
  });
}
