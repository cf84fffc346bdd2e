// Upstream tokens of a profile, encrypted at rest. The profile id is the additional data,
// so a ciphertext copied onto another row does not decrypt.
import { eq, ne } from 'drizzle-orm';
import type { UpstreamTokens } from '../../providers/index.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Database } from './database.js';
import { upstreamCredentials } from './schema.js';

interface SecretPart {
  accessToken: string;
  refreshToken?: string | undefined;
}

export async function loadTokens(db: Database, keyring: Keyring, profileId: string): Promise<UpstreamTokens | undefined> {
  const [row] = await db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, profileId));
  if (!row) return undefined;
  const secret = JSON.parse(keyring.decrypt(row.keyId, row.ciphertext, profileId)) as SecretPart;
  return { ...secret, expiresAt: row.accessExpiresAt ?? undefined, scope: row.scope };
}

/** Writes the tokens; a refresh token missing from `tokens` keeps the stored one (providers often omit it). */
export async function saveTokens(db: Database, keyring: Keyring, profileId: string, tokens: UpstreamTokens): Promise<void> {
  let refreshToken = tokens.refreshToken;
  if (!refreshToken) refreshToken = (await loadTokens(db, keyring, profileId))?.refreshToken;
  const secret: SecretPart = { accessToken: tokens.accessToken, refreshToken };
  const { keyId, ciphertext } = keyring.encrypt(JSON.stringify(secret), profileId);
  const values = { keyId, ciphertext, accessExpiresAt: tokens.expiresAt ?? null, scope: tokens.scope, updatedAt: new Date() };
  await db
    .insert(upstreamCredentials)
    .values({ profileId, ...values })
    .onConflictDoUpdate({ target: upstreamCredentials.profileId, set: values });
}

/** Re-encrypts every credential not under the primary key; returns how many rows were rewritten. */
export async function reencryptAll(db: Database, keyring: Keyring): Promise<number> {
  const stale = await db
    .select({ profileId: upstreamCredentials.profileId })
    .from(upstreamCredentials)
    .where(ne(upstreamCredentials.keyId, keyring.primaryKeyId));
  for (const { profileId } of stale) {
    // One row at a time, each under a row lock, so a concurrent token refresh is not overwritten.
    await db.transaction(async (tx) => {
      const [row] = await tx.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, profileId)).for('update');
      if (!row || row.keyId === keyring.primaryKeyId) return;
      const plaintext = keyring.decrypt(row.keyId, row.ciphertext, profileId);
      const { keyId, ciphertext } = keyring.encrypt(plaintext, profileId);
      await tx.update(upstreamCredentials).set({ keyId, ciphertext }).where(eq(upstreamCredentials.profileId, profileId));
    });
  }
  return stale.length;
}
