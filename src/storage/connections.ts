// Recording a connected upstream account: account, profile and encrypted tokens, written together or not at all.
import { and, eq } from 'drizzle-orm';
import type { UpstreamIdentity, UpstreamTokens } from '../../providers/index.js';
import type { Keyring } from '../crypto/keyring.js';
import { randomId } from '../crypto/tokens.js';
import type { Database } from './database.js';
import { loadTokens, saveTokens } from './credentials.js';
import { accounts, profiles } from './schema.js';

/** The provider sent no refresh token and we hold none for this upstream account: we could not keep it connected. */
export class MissingRefreshTokenError extends Error {
  override name = 'MissingRefreshTokenError';
}

export interface Connection {
  accountId: string;
  profileId: string;
  profileName: string;
}

/**
 * Writes the connection. `beforeCommit` runs inside the transaction once the rows are written: if it
 * throws (the code could not be stored, say), nothing is kept.
 */
export async function saveConnection(
  db: Database,
  keyring: Keyring,
  input: { providerName: string; identity: UpstreamIdentity; tokens: UpstreamTokens },
  beforeCommit: (connection: Connection) => Promise<void> = async () => {},
): Promise<Connection> {
  const { providerName, identity, tokens } = input;
  return db.transaction(async (tx) => {
    const connection = await writeConnection(tx, keyring, providerName, identity, tokens);
    await beforeCommit(connection);
    return connection;
  });
}

async function writeConnection(
  tx: Database,
  keyring: Keyring,
  providerName: string,
  identity: UpstreamIdentity,
  tokens: UpstreamTokens,
): Promise<Connection> {
  const [existing] = await tx
    .select()
    .from(profiles)
    .where(and(eq(profiles.providerName, providerName), eq(profiles.providerSubject, identity.subject)))
    .for('update');

  if (existing) {
    // Read the stored refresh token once: it is both the check and what gets kept.
    const refreshToken = tokens.refreshToken ?? (await loadTokens(tx, keyring, existing.id))?.refreshToken;
    if (!refreshToken) throw new MissingRefreshTokenError(`${providerName} sent no refresh token and none is stored`);
    await tx.update(profiles).set({ profileName: identity.profileName, connected: true }).where(eq(profiles.id, existing.id));
    await saveTokens(tx, keyring, existing.id, { ...tokens, refreshToken });
    return { accountId: existing.accountId, profileId: existing.id, profileName: identity.profileName };
  }

  if (!tokens.refreshToken) throw new MissingRefreshTokenError(`${providerName} sent no refresh token for a new profile`);
  const accountId = randomId('acc');
  await tx.insert(accounts).values({ id: accountId, email: identity.email ?? null, name: identity.name ?? null });
  const [created] = await tx
    .insert(profiles)
    .values({
      id: randomId('pro'),
      accountId,
      providerName,
      providerSubject: identity.subject,
      profileName: identity.profileName,
    })
    // A parallel connect of the same upstream account won the insert: fail this transaction cleanly.
    .onConflictDoNothing()
    .returning();
  if (!created) throw new Error('Concurrent connection of the same upstream account; retry');
  await saveTokens(tx, keyring, created.id, tokens);
  return { accountId, profileId: created.id, profileName: identity.profileName };
}
