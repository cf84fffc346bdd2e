// Upstream events in Cronofy's shape, and the marks by which calbroker recognises events it manages.
import { createHash } from 'node:crypto';
import type { EventTime, UpstreamEvent } from '../../providers/index.js';
import type { CronofyEvent } from '../schemas/events.js';
import type { CalendarRow } from '../storage/schema.js';

const APP_MARK = 'calbroker_app';
const EVENT_ID_MARK = 'calbroker_event_id';

/** The marks stored upstream on an event an app creates through calbroker. */
export function managedMarks(appId: string, eventId: string): Record<string, string> {
  return { [APP_MARK]: appId, [EVENT_ID_MARK]: eventId };
}

/** A stable key per (app, calendar, event_id): the same event_id upserts the same upstream event. */
export function managedKey(appId: string, calendarId: string, eventId: string): string {
  return createHash('sha256').update(`${appId}\n${calendarId}\n${eventId}`).digest('hex');
}

/** The app's own event_id when this app manages the event. */
export function managedEventId(event: UpstreamEvent, appId: string): string | undefined {
  return event.marks[APP_MARK] === appId ? event.marks[EVENT_ID_MARK] : undefined;
}

/** event_uid: URL-safe and reversible, so a delete by event_uid finds the upstream event. */
export function eventUid(upstreamId: string): string {
  return `evt_${Buffer.from(upstreamId).toString('base64url')}`;
}

export function upstreamIdFromUid(uid: string): string | undefined {
  if (!/^evt_[A-Za-z0-9_-]+$/.test(uid)) return undefined;
  const decoded = Buffer.from(uid.slice(4), 'base64url').toString('utf8');
  return decoded && eventUid(decoded) === uid ? decoded : undefined;
}

const timeValue = (time: EventTime) => ('date' in time ? time.date : time.time);

/** Sort key: all-day dates at midnight UTC, so they interleave with timed events. */
export function startOrder(event: UpstreamEvent): number {
  return Date.parse('date' in event.start ? `${event.start.date}T00:00:00Z` : event.start.time);
}

export function formatEvent(event: UpstreamEvent, calendar: CalendarRow, appId: string): CronofyEvent {
  const eventId = managedEventId(event, appId);
  const self = event.attendees.find((a) => a.self);
  const writable = !calendar.readonly && !calendar.deleted;
  return {
    calendar_id: calendar.id,
    event_uid: eventUid(event.upstreamId),
    ...(eventId !== undefined && { event_id: eventId }),
    summary: event.summary ?? '',
    description: event.description ?? '',
    start: timeValue(event.start),
    end: timeValue(event.end),
    deleted: event.status === 'cancelled',
    ...(event.created && { created: event.created }),
    ...(event.updated && { updated: event.updated }),
    ...(event.location && { location: { description: event.location } }),
    participation_status: self?.status ?? (event.organizer?.self ? 'accepted' : 'unknown'),
    attendees: event.attendees.map((a) => ({ email: a.email, display_name: a.displayName ?? a.email, status: a.status })),
    ...(event.organizer && { organizer: { email: event.organizer.email, display_name: event.organizer.displayName ?? event.organizer.email } }),
    transparency: event.transparency,
    status: event.status,
    categories: [],
    recurring: event.recurring,
    event_private: event.private,
    options: {
      delete: writable,
      update: writable && (eventId !== undefined || event.organizer?.self === true || !event.organizer),
      change_participation_status: writable && self !== undefined,
    },
  };
}
