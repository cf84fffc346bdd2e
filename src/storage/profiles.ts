// Profiles of an account, as the /v1 API reads them.
import { asc, eq } from 'drizzle-orm';
import type { Database } from './database.js';
import { profiles, upstreamCredentials, type Profile } from './schema.js';

export async function accountProfiles(db: Database, accountId: string): Promise<Profile[]> {
  return db.select().from(profiles).where(eq(profiles.accountId, accountId)).orderBy(asc(profiles.createdAt), asc(profiles.id));
}

export async function findProfile(db: Database, profileId: string): Promise<Profile | undefined> {
  const [profile] = await db.select().from(profiles).where(eq(profiles.id, profileId));
  return profile;
}

/** The upstream refused our refresh token: the user must connect this profile again. */
export async function markDisconnected(db: Database, profileId: string): Promise<void> {
  await db.update(profiles).set({ connected: false }).where(eq(profiles.id, profileId));
}

/** Forgets a profile's upstream tokens and marks it disconnected; the account and its other profiles stay. */
export async function disconnectProfile(db: Database, profileId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(upstreamCredentials).where(eq(upstreamCredentials.profileId, profileId));
    await tx.update(profiles).set({ connected: false }).where(eq(profiles.id, profileId));
  });
}
