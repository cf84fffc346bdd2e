// The query of GET /v1/events and /v1/free_busy, checked into Cronofy's 422 shape.
import { FieldErrors } from './validation.js';
import { boundary, isDate, isInstant, isTimeZone } from './time.js';

export interface EventsQuery {
  from: Date;
  to: Date;
  tzid: string;
  includeDeleted: boolean;
  includeManaged: boolean;
  onlyManaged: boolean;
  lastModified: Date | undefined;
  calendarIds: Set<string> | undefined;
}

const DAY_MS = 86_400_000;

function flag(errors: FieldErrors, query: Record<string, unknown>, name: string): boolean {
  const value = query[name];
  if (value === undefined || value === '') return false;
  if (value === 'true' || value === 'false') return value === 'true';
  errors.add(name, 'invalid', 'must be true or false');
  return false;
}

function single(errors: FieldErrors, query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  errors.add(name, 'invalid', 'must be given once');
  return undefined;
}

export function parseEventsQuery(raw: unknown): EventsQuery {
  const query = (raw ?? {}) as Record<string, unknown>;
  const errors = new FieldErrors();
  const tzid = single(errors, query, 'tzid') ?? 'Etc/UTC';
  if (!isTimeZone(tzid)) errors.add('tzid', 'invalid', 'must be a known time zone identifier such as Europe/London');
  const zone = isTimeZone(tzid) ? tzid : 'Etc/UTC';

  const when = (name: 'from' | 'to', fallback: Date): Date => {
    const value = single(errors, query, name);
    if (value === undefined) return fallback;
    if (!isDate(value) && !isInstant(value)) {
      errors.add(name, 'invalid', 'must be a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SSZ)');
      return fallback;
    }
    return boundary(value, zone);
  };
  // Cronofy's defaults: 16 days back to 201 days ahead.
  const now = Date.now();
  const from = when('from', new Date(now - 16 * DAY_MS));
  const to = when('to', new Date(now + 201 * DAY_MS));
  if (to.getTime() <= from.getTime()) errors.add('to', 'invalid', 'must be after from');

  const modified = single(errors, query, 'last_modified');
  if (modified !== undefined && !isInstant(modified)) errors.add('last_modified', 'invalid', 'must be a time (YYYY-MM-DDTHH:MM:SSZ)');

  // The SDK sends calendar_ids[]=a&calendar_ids[]=b.
  const ids = query['calendar_ids[]'] ?? query.calendar_ids;
  const calendarIds = ids === undefined ? undefined : new Set((Array.isArray(ids) ? ids : [ids]).map(String));

  const result: EventsQuery = {
    from,
    to,
    tzid: zone,
    includeDeleted: flag(errors, query, 'include_deleted'),
    includeManaged: flag(errors, query, 'include_managed'),
    onlyManaged: flag(errors, query, 'only_managed'),
    lastModified: modified !== undefined && isInstant(modified) ? new Date(modified) : undefined,
    calendarIds,
  };
  errors.throwIfAny();
  return result;
}
