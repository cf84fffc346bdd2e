// Stable calbroker calendar ids for upstream calendars, created the first time a calendar is seen,
// with the details of its latest listing.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { UpstreamCalendar } from '../../providers/index.js';
import { randomId } from '../crypto/tokens.js';
import type { Database } from './database.js';
import { calendars, profiles, type CalendarRow, type Profile } from './schema.js';

/** Records a profile's calendars as just listed; returns their rows (with calbroker ids) in listing order. */
export async function syncCalendars(db: Database, profileId: string, listed: UpstreamCalendar[]): Promise<CalendarRow[]> {
  if (listed.length === 0) return [];
  await db
    .insert(calendars)
    .values(listed.map((c) => ({ id: randomId('cal'), profileId, upstreamId: c.upstreamId, name: c.name, readonly: c.readonly, deleted: c.deleted, primary: c.primary })))
    .onConflictDoUpdate({
      target: [calendars.profileId, calendars.upstreamId],
      set: { name: sql`excluded.name`, readonly: sql`excluded.readonly`, deleted: sql`excluded.deleted`, primary: sql`excluded."primary"` },
    });
  const rows = await db
    .select()
    .from(calendars)
    .where(and(eq(calendars.profileId, profileId), inArray(calendars.upstreamId, listed.map((c) => c.upstreamId))));
  const byUpstreamId = new Map(rows.map((row) => [row.upstreamId, row]));
  return listed.map((c) => byUpstreamId.get(c.upstreamId)!);
}

/** A calendar with its profile, when it belongs to the account. */
export async function findAccountCalendar(db: Database, accountId: string, calendarId: string): Promise<{ calendar: CalendarRow; profile: Profile } | undefined> {
  const [row] = await db
    .select({ calendar: calendars, profile: profiles })
    .from(calendars)
    .innerJoin(profiles, eq(profiles.id, calendars.profileId))
    .where(and(eq(calendars.id, calendarId), eq(profiles.accountId, accountId)));
  return row;
}
