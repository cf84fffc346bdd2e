// The body of POST /v1/calendars/{calendar_id}/events, checked into Cronofy's 422 shape.
import type { EventWrite, EventWriteTime } from '../../providers/index.js';
import { FieldErrors } from './validation.js';
import { isDate, isInstant, isLocalTime, isTimeZone, zonedInstant } from './time.js';

export interface EventUpsert {
  eventId: string;
  write: Omit<EventWrite, 'marks'>;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Cronofy accepts "2026-11-24" (all day), "2026-11-24T09:00:00Z", or {"time": "2026-11-24T09:00:00", "tzid": "Europe/London"}. */
function eventTime(errors: FieldErrors, field: string, value: unknown, tzid: string): { time: EventWriteTime; at: number } | undefined {
  if (value === undefined || value === null || value === '') {
    errors.add(field, 'required', 'required');
    return undefined;
  }
  if (typeof value === 'string' && isDate(value)) return { time: { date: value }, at: Date.parse(`${value}T00:00:00Z`) };
  if (typeof value === 'string' && isInstant(value)) return { time: { time: value, timeZone: tzid }, at: Date.parse(value) };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { time, tzid: zone } = value as Record<string, unknown>;
    if (typeof zone !== 'string' || !isTimeZone(zone)) {
      errors.add(field, 'invalid', 'tzid must be a known time zone identifier');
      return undefined;
    }
    if (typeof time === 'string' && isInstant(time)) return { time: { time, timeZone: zone }, at: Date.parse(time) };
    if (typeof time === 'string' && isLocalTime(time)) return { time: { time, timeZone: zone }, at: zonedInstant(time, zone).getTime() };
  }
  errors.add(field, 'invalid', 'must be a date (YYYY-MM-DD), a time (YYYY-MM-DDTHH:MM:SSZ) or {"time", "tzid"}');
  return undefined;
}

export function parseEventUpsert(body: unknown): EventUpsert {
  const input = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const errors = new FieldErrors();

  const eventId = text(input.event_id);
  if (!eventId) errors.add('event_id', 'required', 'required');
  else if (eventId.length > 1024) errors.add('event_id', 'too_long', 'must be at most 1024 characters');

  const summary = text(input.summary);
  if (!summary) errors.add('summary', 'required', 'required');
  else if (summary.length > 1024) errors.add('summary', 'too_long', 'must be at most 1024 characters');

  const description = input.description;
  if (description !== undefined && typeof description !== 'string') errors.add('description', 'invalid', 'must be a string');
  else if (typeof description === 'string' && description.length > 4096) errors.add('description', 'too_long', 'must be at most 4096 characters');

  let tzid = text(input.tzid) ?? 'Etc/UTC';
  if (!isTimeZone(tzid)) {
    errors.add('tzid', 'invalid', 'must be a known time zone identifier such as Europe/London');
    tzid = 'Etc/UTC';
  }
  const start = eventTime(errors, 'start', input.start, tzid);
  const end = eventTime(errors, 'end', input.end, tzid);
  if (start && end) {
    if ('date' in start.time !== 'date' in end.time) errors.add('end', 'invalid', 'start and end must both be dates or both be times');
    else if (end.at <= start.at) errors.add('end', 'invalid', 'must be after start');
  }

  let location: string | undefined;
  if (input.location !== undefined) {
    const value = (input.location as Record<string, unknown> | null)?.description;
    if (typeof value !== 'string') errors.add('location', 'invalid', 'must be {"description": "..."}');
    else location = value;
  }

  const transparency = input.transparency;
  if (transparency !== undefined && transparency !== 'opaque' && transparency !== 'transparent') {
    errors.add('transparency', 'invalid', 'must be opaque or transparent');
  }

  errors.throwIfAny();
  return {
    eventId: eventId!,
    write: {
      summary: summary!,
      description: description as string | undefined,
      location,
      start: start!.time,
      end: end!.time,
      transparency: transparency as 'opaque' | 'transparent' | undefined,
    },
  };
}
