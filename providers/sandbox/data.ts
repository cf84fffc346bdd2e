// The sandbox's simulated calendars: every simulated person gets the same seeded calendars, with
// events placed relative to today, so a demo always has something in the coming week.
// Writes are kept in memory: the sandbox is a simulator, and a restart resets them.
import { createHash } from 'node:crypto';
import type { EventTime, EventWrite, UpstreamEvent } from '../contract.js';

export interface SandboxCalendar {
  id: string;
  name: string;
  readonly: boolean;
  primary: boolean;
}

export const CALENDARS: SandboxCalendar[] = [
  { id: 'work', name: 'Work', readonly: false, primary: true },
  { id: 'team', name: 'Team', readonly: false, primary: false },
  { id: 'holidays', name: 'Public holidays', readonly: true, primary: false },
];

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function seeded(calendarId: string, today: number): UpstreamEvent[] {
  const events: UpstreamEvent[] = [];
  const base = { status: 'confirmed' as const, transparency: 'opaque' as const, private: false, recurring: false, attendees: [], marks: {} };
  const timed = (id: string, day: number, hour: number, minutes: number, summary: string, extra: Partial<UpstreamEvent> = {}) =>
    events.push({
      ...base,
      upstreamId: id,
      summary,
      start: { time: iso(today + day * DAY_MS + hour * 3_600_000) },
      end: { time: iso(today + day * DAY_MS + hour * 3_600_000 + minutes * 60_000) },
      created: iso(today - 30 * DAY_MS),
      updated: iso(today - 30 * DAY_MS),
      ...extra,
    });
  for (let day = -7; day < 21; day += 1) {
    if (calendarId === 'work') timed(`standup-${day + 7}`, day, 9, 15, 'Daily standup', { recurring: true, location: 'Video call' });
    if (calendarId === 'team' && (day + 7) % 7 === 2) timed(`review-${day + 7}`, day, 15, 60, 'Design review', { description: 'Walk through the week’s designs' });
  }
  if (calendarId === 'work') timed('planning', 1, 13, 90, 'Quarterly planning', { description: 'Bring your roadmap', location: 'Room 4' });
  if (calendarId === 'holidays') {
    events.push({ ...base, upstreamId: 'holiday', summary: 'Company holiday', transparency: 'transparent', start: { date: date(today + 4 * DAY_MS) }, end: { date: date(today + 5 * DAY_MS) } });
  }
  return events;
}

const startMs = (time: EventTime) => Date.parse('date' in time ? `${time.date}T00:00:00Z` : time.time);

/** One simulated person's calendars: the seed plus whatever apps wrote. */
export class SandboxStore {
  private readonly writes = new Map<string, Map<string, UpstreamEvent>>();

  events(person: string, calendarId: string, from: Date, to: Date, includeDeleted: boolean, updatedSince?: Date): UpstreamEvent[] {
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const written = this.writes.get(`${person}/${calendarId}`) ?? new Map();
    const all = [...seeded(calendarId, today).filter((e) => !written.has(e.upstreamId)), ...written.values()];
    return all.filter(
      (e) =>
        startMs(e.start) < to.getTime() &&
        startMs(e.end) > from.getTime() &&
        (includeDeleted || updatedSince || e.status !== 'cancelled') &&
        (!updatedSince || Date.parse(e.updated ?? '1970-01-01T00:00:00Z') >= updatedSince.getTime()),
    );
  }

  upsert(person: string, calendarId: string, eventId: string, write: EventWrite): void {
    const key = `${person}/${calendarId}`;
    const calendar = this.writes.get(key) ?? new Map<string, UpstreamEvent>();
    this.writes.set(key, calendar);
    const now = iso(Date.now());
    const time = (t: EventWrite['start']): EventTime => ('date' in t ? { date: t.date } : { time: iso(Date.parse(t.time.match(/(Z|[+-]\d{2}:\d{2})$/) ? t.time : `${t.time}Z`)) });
    calendar.set(eventId, {
      upstreamId: eventId,
      status: 'confirmed',
      summary: write.summary,
      description: write.description,
      location: write.location,
      start: time(write.start),
      end: time(write.end),
      created: calendar.get(eventId)?.created ?? now,
      updated: now,
      transparency: write.transparency ?? 'opaque',
      private: false,
      recurring: false,
      attendees: [],
      organizer: { email: person, self: true },
      marks: write.marks,
    });
  }

  /** Returns false when there was nothing to delete. */
  delete(person: string, calendarId: string, eventId: string): boolean {
    const existing = this.events(person, calendarId, new Date(0), new Date(8.64e15), true).find((e) => e.upstreamId === eventId);
    if (!existing || existing.status === 'cancelled') return false;
    const key = `${person}/${calendarId}`;
    const calendar = this.writes.get(key) ?? new Map<string, UpstreamEvent>();
    this.writes.set(key, calendar);
    calendar.set(eventId, { ...existing, status: 'cancelled', updated: iso(Date.now()) });
    return true;
  }
}

/** A stable subject for a simulated person's email address. */
export function subjectFor(email: string): string {
  return `sandbox-${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 24)}`;
}
