// Stable calbroker calendar ids for upstream calendars, created the first time a calendar is seen.
import { and, eq, inArray } from 'drizzle-orm';
import { randomId } from '../crypto/tokens.js';
import type { Database } from './database.js';
import { calendars } from './schema.js';

/** Maps each upstream calendar id of the profile to its calbroker id, creating ids as needed. */
export async function calendarIds(db: Database, profileId: string, upstreamIds: string[]): Promise<Map<string, string>> {
  if (upstreamIds.length === 0) return new Map();
  await db
    .insert(calendars)
    .values(upstreamIds.map((upstreamId) => ({ id: randomId('cal'), profileId, upstreamId })))
    .onConflictDoNothing();
  const rows = await db
    .select({ id: calendars.id, upstreamId: calendars.upstreamId })
    .from(calendars)
    .where(and(eq(calendars.profileId, profileId), inArray(calendars.upstreamId, upstreamIds)));
  return new Map(rows.map((row) => [row.upstreamId, row.id]));
}
