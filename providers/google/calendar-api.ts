// Calendar API v3 calendarList, as the contract's CalendarReader.
import type { CalendarReader, UpstreamCalendar } from '../contract.js';
import type { GoogleApi } from './api-client.js';

interface CalendarListEntry {
  id: string;
  summary?: string;
  summaryOverride?: string;
  accessRole?: string;
  primary?: boolean;
  deleted?: boolean;
}

interface CalendarListPage {
  items?: CalendarListEntry[];
  nextPageToken?: string;
}

export function googleCalendars(api: GoogleApi): CalendarReader {
  return {
    async listCalendars(accessToken) {
      const calendars: UpstreamCalendar[] = [];
      let pageToken: string | undefined;
      // Pages may be short or empty: only the absence of nextPageToken ends the list.
      do {
        const query = new URLSearchParams({ maxResults: '250', showDeleted: 'true' });
        if (pageToken) query.set('pageToken', pageToken);
        const page = await api.request<CalendarListPage>('GET', `/calendar/v3/users/me/calendarList?${query}`, accessToken);
        for (const entry of page.items ?? []) {
          calendars.push({
            upstreamId: entry.id,
            name: entry.summaryOverride ?? entry.summary ?? entry.id,
            readonly: entry.accessRole !== 'owner' && entry.accessRole !== 'writer',
            deleted: entry.deleted === true,
            primary: entry.primary === true,
          });
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return calendars;
    },
  };
}
