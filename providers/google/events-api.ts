// Calendar API v3 events and freeBusy, as the contract's EventReader, EventWriter and FreeBusyReader.
import { createHash } from 'node:crypto';
import {
  UpstreamError,
  type AttendeeStatus,
  type BusyPeriod,
  type EventReader,
  type EventTime,
  type EventWriteTime,
  type EventWriter,
  type FreeBusyReader,
  type UpstreamEvent,
} from '../contract.js';
import type { GoogleApi } from './api-client.js';

interface GoogleTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

interface GoogleEvent {
  id: string;
  status?: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  description?: string;
  location?: string;
  start?: GoogleTime;
  end?: GoogleTime;
  created?: string;
  updated?: string;
  transparency?: 'opaque' | 'transparent';
  visibility?: string;
  recurringEventId?: string;
  recurrence?: string[];
  attendees?: Array<{ email?: string; displayName?: string; responseStatus?: string; self?: boolean }>;
  organizer?: { email?: string; displayName?: string; self?: boolean };
  extendedProperties?: { private?: Record<string, string> };
}

const RESPONSE_STATUS: Record<string, AttendeeStatus> = {
  needsAction: 'needs_action',
  accepted: 'accepted',
  declined: 'declined',
  tentative: 'tentative',
};

/** Google accepts client-chosen ids of 5-1024 base32hex characters (a-v, 0-9). */
export function googleEventId(managedKey: string): string {
  const key = managedKey.toLowerCase();
  return /^[0-9a-v]{5,1024}$/.test(key) ? key : createHash('sha256').update(managedKey).digest('hex');
}

/** Instants as Cronofy writes them: UTC, whole seconds, `Z`. */
const utc = (value: string) => new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');

function eventTime(time: GoogleTime | undefined): EventTime | undefined {
  if (time?.date) return { date: time.date };
  if (time?.dateTime) return { time: utc(time.dateTime) };
  return undefined;
}

function toUpstreamEvent(event: GoogleEvent): UpstreamEvent | undefined {
  const start = eventTime(event.start);
  const end = eventTime(event.end);
  // Cancelled instances may come without times; with nothing to place, they are left out.
  if (!start || !end) return undefined;
  return {
    upstreamId: event.id,
    status: event.status ?? 'confirmed',
    summary: event.summary,
    description: event.description,
    location: event.location,
    start,
    end,
    created: event.created && utc(event.created),
    updated: event.updated && utc(event.updated),
    transparency: event.transparency ?? 'opaque',
    private: event.visibility === 'private' || event.visibility === 'confidential',
    recurring: Boolean(event.recurringEventId || event.recurrence),
    attendees: (event.attendees ?? [])
      .filter((a) => a.email)
      .map((a) => ({ email: a.email!, displayName: a.displayName, status: RESPONSE_STATUS[a.responseStatus ?? ''] ?? 'unknown', self: a.self === true })),
    organizer: event.organizer?.email
      ? { email: event.organizer.email, displayName: event.organizer.displayName, self: event.organizer.self === true }
      : undefined,
    marks: event.extendedProperties?.private ?? {},
  };
}

function googleTime(time: EventWriteTime): GoogleTime {
  return 'date' in time ? { date: time.date } : { dateTime: time.time, timeZone: time.timeZone };
}

const eventsPath = (calendarId: string) => `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`;

export function googleEvents(api: GoogleApi): EventReader & EventWriter & FreeBusyReader {
  return {
    async listEvents(accessToken, calendarUpstreamId, query) {
      const events: UpstreamEvent[] = [];
      let pageToken: string | undefined;
      do {
        const params = new URLSearchParams({
          timeMin: query.from.toISOString(),
          timeMax: query.to.toISOString(),
          singleEvents: 'true',
          maxResults: '2500',
          showDeleted: String(query.includeDeleted),
        });
        if (query.updatedSince) params.set('updatedMin', query.updatedSince.toISOString());
        if (pageToken) params.set('pageToken', pageToken);
        const page = await api.request<{ items?: GoogleEvent[]; nextPageToken?: string }>('GET', `${eventsPath(calendarUpstreamId)}?${params}`, accessToken);
        for (const item of page.items ?? []) {
          const event = toUpstreamEvent(item);
          // updatedMin makes Google include deleted events whatever showDeleted says.
          if (event && (query.includeDeleted || event.status !== 'cancelled')) events.push(event);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return events;
    },

    async upsertEvent(accessToken, calendarUpstreamId, managedKey, write) {
      const id = googleEventId(managedKey);
      const body = {
        id,
        summary: write.summary,
        description: write.description,
        location: write.location,
        start: googleTime(write.start),
        end: googleTime(write.end),
        transparency: write.transparency,
        status: 'confirmed',
        extendedProperties: { private: write.marks },
      };
      try {
        await api.request('POST', eventsPath(calendarUpstreamId), accessToken, body);
      } catch (error) {
        // 409: the id exists (perhaps cancelled): replace it, which also restores a deleted one.
        if (!(error instanceof UpstreamError && error.options.status === 409)) throw error;
        await api.request('PUT', `${eventsPath(calendarUpstreamId)}/${id}`, accessToken, body);
      }
    },

    async deleteEvent(accessToken, calendarUpstreamId, ref) {
      const id = 'managedKey' in ref ? googleEventId(ref.managedKey) : ref.upstreamId;
      try {
        await api.request('DELETE', `${eventsPath(calendarUpstreamId)}/${encodeURIComponent(id)}`, accessToken);
      } catch (error) {
        // 404 never existed, 410 already deleted: either way it is gone.
        if (!(error instanceof UpstreamError && error.kind === 'not_found')) throw error;
      }
    },

    async freeBusy(accessToken, calendarUpstreamIds, from, to) {
      const busy: BusyPeriod[] = [];
      // Google takes at most 50 calendars per query.
      for (let i = 0; i < calendarUpstreamIds.length; i += 50) {
        const items = calendarUpstreamIds.slice(i, i + 50).map((id) => ({ id }));
        const result = await api.request<{ calendars?: Record<string, { busy?: Array<{ start: string; end: string }> }> }>(
          'POST',
          '/calendar/v3/freeBusy',
          accessToken,
          { timeMin: from.toISOString(), timeMax: to.toISOString(), items },
        );
        for (const [calendarUpstreamId, calendar] of Object.entries(result.calendars ?? {})) {
          for (const period of calendar.busy ?? []) busy.push({ calendarUpstreamId, start: utc(period.start), end: utc(period.end) });
        }
      }
      return busy;
    },
  };
}
