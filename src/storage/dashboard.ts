// What the operator's dashboard changes and shows of an app, beyond src/storage/apps.ts.
import { asc, countDistinct, eq, inArray, min } from 'drizzle-orm';
import type { Database } from './database.js';
import { accounts, apps, grants, profiles, type App } from './schema.js';

/** Deletes an app; its grants and their tokens go with it (cascade). Accounts and profiles stay: other apps may hold them. */
export async function deleteApp(db: Database, clientId: string): Promise<boolean> {
  const deleted = await db.delete(apps).where(eq(apps.id, clientId)).returning({ id: apps.id });
  return deleted.length > 0;
}

/** Replaces the app's redirect URIs; callers validate them first. */
export async function setRedirectUris(db: Database, clientId: string, redirectUris: string[]): Promise<App | undefined> {
  const [updated] = await db.update(apps).set({ redirectUris }).where(eq(apps.id, clientId)).returning();
  return updated;
}

/** Verified apps get no "not verified" warning on the consent page. */
export async function setVerified(db: Database, clientId: string, verified: boolean): Promise<App | undefined> {
  const [updated] = await db.update(apps).set({ verified }).where(eq(apps.id, clientId)).returning();
  return updated;
}

export interface ConnectedProfile {
  id: string;
  providerName: string;
  profileName: string;
  /** False once the upstream refused our refresh token: the user must relink. */
  connected: boolean;
}

export interface ConnectedAccount {
  id: string;
  email: string | null;
  name: string | null;
  /** When the app was first granted access to this account. */
  firstGrantedAt: Date;
  profiles: ConnectedProfile[];
}

export interface AppConnections {
  /** Every account holding a grant to the app, even beyond `accounts`. */
  total: number;
  /** The first `limit` accounts, oldest grant first. */
  accounts: ConnectedAccount[];
}

/**
 * The accounts that granted the app access (grants -> accounts) with each account's profiles
 * (accounts -> profiles): through its grant an app reads every profile of the account, not only the
 * linking one. Bounded by `limit` so a popular app's page stays small.
 */
export async function appConnections(db: Database, clientId: string, limit = 200): Promise<AppConnections> {
  const [counted] = await db.select({ total: countDistinct(grants.accountId) }).from(grants).where(eq(grants.appId, clientId));
  const firstGrantedAt = min(grants.createdAt);
  const accountRows = await db
    .select({ id: accounts.id, email: accounts.email, name: accounts.name, firstGrantedAt })
    .from(grants)
    .innerJoin(accounts, eq(accounts.id, grants.accountId))
    .where(eq(grants.appId, clientId))
    .groupBy(accounts.id, accounts.email, accounts.name)
    .orderBy(asc(firstGrantedAt), asc(accounts.id))
    .limit(limit);
  if (accountRows.length === 0) return { total: counted?.total ?? 0, accounts: [] };

  const profileRows = await db
    .select({ id: profiles.id, accountId: profiles.accountId, providerName: profiles.providerName, profileName: profiles.profileName, connected: profiles.connected })
    .from(profiles)
    .where(inArray(profiles.accountId, accountRows.map((a) => a.id)))
    .orderBy(asc(profiles.createdAt), asc(profiles.id));

  return {
    total: counted?.total ?? accountRows.length,
    accounts: accountRows.map((account) => ({
      ...account,
      // min() comes back untyped from some drivers; normalise to a Date.
      firstGrantedAt: new Date(account.firstGrantedAt ?? 0),
      profiles: profileRows
        .filter((p) => p.accountId === account.id)
        .map(({ accountId: _accountId, ...profile }) => profile),
    })),
  };
}
