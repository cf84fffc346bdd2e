// Grants and the calbroker tokens that name them. Only hashes of tokens are stored.
import { and, eq, gt } from 'drizzle-orm';
import { hashSecret, randomId, randomSecret } from '../crypto/tokens.js';
import type { Database } from './database.js';
import { accessTokens, grants, retiredRefreshTokens, type Grant } from './schema.js';

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

export interface IssuedTokens {
  grant: Grant;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

async function insertAccessToken(db: Database, grantId: string, scope: string): Promise<string> {
  const accessToken = randomSecret();
  await db.insert(accessTokens).values({
    tokenHash: hashSecret(accessToken),
    grantId,
    scope,
    expiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000),
  });
  return accessToken;
}

/** A redeemed authorization code becomes a grant with a refresh token and a first access token. */
export async function createGrant(
  db: Database,
  input: { appId: string; accountId: string; profileId: string; scope: string },
): Promise<IssuedTokens> {
  const refreshToken = randomSecret();
  return db.transaction(async (tx) => {
    const [grant] = await tx
      .insert(grants)
      .values({ id: randomId('grt'), ...input, refreshTokenHash: hashSecret(refreshToken) })
      .returning();
    const accessToken = await insertAccessToken(tx, grant!.id, input.scope);
    return { grant: grant!, accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  });
}

export async function findGrantByRefreshToken(db: Database, refreshToken: string): Promise<Grant | undefined> {
  const [grant] = await db.select().from(grants).where(eq(grants.refreshTokenHash, hashSecret(refreshToken)));
  return grant;
}

/** Rotation: the grant gets a new refresh token; the presented one is retired (only if still current). */
export async function rotateRefreshToken(db: Database, grant: Grant): Promise<string | undefined> {
  const refreshToken = randomSecret();
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(grants)
      .set({ refreshTokenHash: hashSecret(refreshToken) })
      .where(and(eq(grants.id, grant.id), eq(grants.refreshTokenHash, grant.refreshTokenHash)))
      .returning({ id: grants.id });
    // A parallel refresh rotated first: this presentation lost the race, and is reuse.
    if (!updated) return undefined;
    await tx.insert(retiredRefreshTokens).values({ tokenHash: grant.refreshTokenHash, grantId: grant.id });
    return refreshToken;
  });
}

/**
 * Reuse detection: when a superseded refresh token is presented, the whole family (the grant and
 * every token of it) is revoked. Returns whether the token was a retired one.
 */
export async function revokeFamilyOfRetired(db: Database, refreshToken: string): Promise<boolean> {
  const [retired] = await db.select().from(retiredRefreshTokens).where(eq(retiredRefreshTokens.tokenHash, hashSecret(refreshToken)));
  if (!retired) return false;
  await revokeGrant(db, retired.grantId);
  return true;
}

export async function revokeGrant(db: Database, grantId: string): Promise<void> {
  await db.delete(grants).where(eq(grants.id, grantId));
}

/** A fresh access token for an existing grant (refresh_token grant). The refresh token stays the same, as at Cronofy. */
export async function issueAccessToken(db: Database, grantId: string, scope: string): Promise<{ accessToken: string; expiresIn: number }> {
  return { accessToken: await insertAccessToken(db, grantId, scope), expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

export interface AccessTokenGrant {
  grant: Grant;
  scope: string;
  expiresAt: Date;
}

/** The live grant behind a presented access token, or undefined when unknown, expired or revoked. */
export async function findAccessToken(db: Database, accessToken: string): Promise<AccessTokenGrant | undefined> {
  const [row] = await db
    .select({ grant: grants, scope: accessTokens.scope, expiresAt: accessTokens.expiresAt })
    .from(accessTokens)
    .innerJoin(grants, eq(grants.id, accessTokens.grantId))
    .where(and(eq(accessTokens.tokenHash, hashSecret(accessToken)), gt(accessTokens.expiresAt, new Date())));
  return row;
}

/**
 * RFC 7009 revocation of a token the app holds: a refresh token ends its whole grant (and so every
 * access token of it); an access token ends just itself. Tokens of other apps are left alone.
 */
export async function revokeToken(db: Database, appId: string, token: string): Promise<void> {
  const tokenHash = hashSecret(token);
  await db.transaction(async (tx) => {
    await tx.delete(grants).where(and(eq(grants.refreshTokenHash, tokenHash), eq(grants.appId, appId)));
    const [row] = await tx
      .select({ appId: grants.appId })
      .from(accessTokens)
      .innerJoin(grants, eq(grants.id, accessTokens.grantId))
      .where(eq(accessTokens.tokenHash, tokenHash));
    if (row?.appId === appId) await tx.delete(accessTokens).where(eq(accessTokens.tokenHash, tokenHash));
  });
}
