// An account's calendars, listed live from every connected profile through its provider.
import type { ProviderAdapter } from '../../providers/index.js';
import type { Calendar } from '../schemas/calendars.js';
import { syncCalendars } from '../storage/calendars.js';
import type { Database } from '../storage/database.js';
import { accountProfiles } from '../storage/profiles.js';
import type { CalendarRow, Profile } from '../storage/schema.js';
import { ProfileDisconnectedError, type UpstreamAccess } from '../upstream/access.js';

export interface LiveCalendar {
  calendar: CalendarRow;
  profile: Profile;
  provider: ProviderAdapter;
}

export function formatCalendar({ calendar, profile }: LiveCalendar): Calendar {
  return {
    provider_name: profile.providerName,
    profile_id: profile.id,
    profile_name: profile.profileName,
    calendar_id: calendar.id,
    calendar_name: calendar.name,
    calendar_readonly: calendar.readonly,
    calendar_deleted: calendar.deleted,
    calendar_primary: calendar.primary,
    calendar_integrated_conferencing_available: false,
    calendar_attachments_available: false,
    permission_level: 'unrestricted',
  };
}

export async function listAccountCalendars(
  db: Database,
  providers: ReadonlyMap<string, ProviderAdapter>,
  upstream: UpstreamAccess,
  accountId: string,
): Promise<LiveCalendar[]> {
  const live: LiveCalendar[] = [];
  const disconnected: Profile[] = [];
  let listedProfiles = 0;
  for (const profile of await accountProfiles(db, accountId)) {
    const provider = providers.get(profile.providerName);
    // A provider switched off by the operator: its calendars cannot be read.
    if (!provider) continue;
    if (!profile.connected) {
      disconnected.push(profile);
      continue;
    }
    let listed;
    try {
      listed = await upstream.call(profile, provider, (token) => provider.calendars.listCalendars(token), { idempotent: true });
    } catch (error) {
      if (!(error instanceof ProfileDisconnectedError)) throw error;
      disconnected.push(profile);
      continue;
    }
    listedProfiles += 1;
    for (const calendar of await syncCalendars(db, profile.id, listed)) live.push({ calendar, profile, provider });
  }
  // A dead profile beside live ones is skipped (its state shows in /v1/profiles); with nothing
  // listable at all, an empty answer would mislead, so the error names the profile to reconnect.
  if (listedProfiles === 0 && disconnected[0]) throw new ProfileDisconnectedError(disconnected[0]);
  return live;
}
