// Repository behaviour, one suite for every database backend (see repositories.test.ts).
import { eq, sql } from 'drizzle-orm';
import type { Test } from 'tap';
import { Keyring } from '../../src/crypto/keyring.js';
import { hashSecret } from '../../src/crypto/tokens.js';
import { createApp, findApp, listApps } from '../../src/storage/apps.js';
import { findAccountCalendar, syncCalendars } from '../../src/storage/calendars.js';
import { MissingRefreshTokenError, saveConnection } from '../../src/storage/connections.js';
import { loadTokens } from '../../src/storage/credentials.js';
import type { OpenDatabase } from '../../src/storage/database.js';
import { createGrant, findAccessToken, findGrantByRefreshToken, issueAccessToken, revokeToken } from '../../src/storage/grants.js';
import { accessTokens, accounts, profiles, upstreamCredentials } from '../../src/storage/schema.js';


const keyring = Keyring.parse(`${Keyring.generateSpec('k1')}`);
const identity = { subject: 'google-sub-1', email: 'ada@example.com', name: 'Ada', profileName: 'ada@example.com' };
const tokens = { accessToken: 'ya29.secret-access', refreshToken: '1//secret-refresh', expiresAt: new Date(Date.now() + 3600_000), scope: 'openid email' };

async function count(db: OpenDatabase['db'], table: typeof accounts | typeof profiles | typeof upstreamCredentials): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
  return row!.n;
}

export function repositoriesContract(t: Test, open: (t: Test) => Promise<OpenDatabase>): void {
  const database = async (t: Test) => {
    const d = await open(t);
    t.teardown(() => d.close());
    return d.db;
  };

  void t.test('apps: secret returned once, stored only as a hash', async (t) => {
    const db = await database(t);
    const { app, clientSecret } = await createApp(db, { name: 'Planner', redirectUris: ['https://a.example/cb'] });
    t.match(app.id, /^app_[a-z2-7]{24}$/);
    t.ok(clientSecret!.length >= 43, 'at least 256 bits, base64url');
    t.equal(app.secretHash, hashSecret(clientSecret!));
    t.not(app.secretHash, clientSecret);
    t.same((await findApp(db, app.id))?.redirectUris, ['https://a.example/cb']);
    t.equal(await findApp(db, 'app_missing'), undefined);
    t.equal((await listApps(db)).length, 1);
    t.equal(app.verified, false, 'new apps are unverified');
  });

  void t.test('connections: a new upstream account creates account, profile and encrypted tokens', async (t) => {
    const db = await database(t);
    const connection = await saveConnection(db, keyring, { providerName: 'google', identity, tokens });
    t.match(connection, { accountId: /^acc_/, profileId: /^pro_/, profileName: 'ada@example.com' });
    const [row] = await db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, connection.profileId));
    t.equal(row!.keyId, 'k1');
    t.notOk(row!.ciphertext.includes('secret'), 'no plaintext token in the row');
    const loaded = await loadTokens(db, keyring, connection.profileId);
    t.equal(loaded?.accessToken, tokens.accessToken);
    t.equal(loaded?.refreshToken, tokens.refreshToken);
  });

  void t.test('connections: reconnecting without a refresh token keeps the stored one and the same ids', async (t) => {
    const db = await database(t);
    const first = await saveConnection(db, keyring, { providerName: 'google', identity, tokens });
    const second = await saveConnection(db, keyring, {
      providerName: 'google',
      identity: { ...identity, profileName: 'ada@new.example' },
      tokens: { accessToken: 'ya29.second', scope: 'openid', refreshToken: undefined },
    });
    t.same(second, { accountId: first.accountId, profileId: first.profileId, profileName: 'ada@new.example' });
    const loaded = await loadTokens(db, keyring, first.profileId);
    t.equal(loaded?.accessToken, 'ya29.second');
    t.equal(loaded?.refreshToken, tokens.refreshToken, 'stored refresh token kept');
    t.equal(await count(db, accounts), 1);
  });

  void t.test('connections: no refresh token for a new upstream account stores nothing', async (t) => {
    const db = await database(t);
    await t.rejects(
      saveConnection(db, keyring, { providerName: 'google', identity, tokens: { ...tokens, refreshToken: undefined } }),
      MissingRefreshTokenError,
    );
    t.equal(await count(db, accounts), 0, 'no account');
    t.equal(await count(db, profiles), 0, 'no profile');
    t.equal(await count(db, upstreamCredentials), 0, 'no credential');
  });

  void t.test('credentials: a ciphertext moved to another row does not decrypt', async (t) => {
    const db = await database(t);
    const a = await saveConnection(db, keyring, { providerName: 'google', identity, tokens });
    const b = await saveConnection(db, keyring, { providerName: 'google', identity: { ...identity, subject: 'google-sub-2' }, tokens });
    const [rowA] = await db.select().from(upstreamCredentials).where(eq(upstreamCredentials.profileId, a.profileId));
    await db.update(upstreamCredentials).set({ ciphertext: rowA!.ciphertext }).where(eq(upstreamCredentials.profileId, b.profileId));
    await t.rejects(loadTokens(db, keyring, b.profileId), /unable to authenticate|Unsupported state/i);
  });

  void t.test('credentials: data under an old key still decrypts after rotation', async (t) => {
    const db = await database(t);
    const oldKey = Keyring.generateSpec('old');
    const before = Keyring.parse(oldKey);
    const connection = await saveConnection(db, before, { providerName: 'google', identity, tokens });
    const rotated = Keyring.parse(`${Keyring.generateSpec('new')},${oldKey}`);
    t.equal((await loadTokens(db, rotated, connection.profileId))?.accessToken, tokens.accessToken);
  });

  void t.test('grants: tokens found by hash, revocation cascades, other apps cannot revoke', async (t) => {
    const db = await database(t);
    const { app } = await createApp(db, { name: 'A', redirectUris: ['https://a.example/cb'] });
    const { app: other } = await createApp(db, { name: 'B', redirectUris: ['https://b.example/cb'] });
    const connection = await saveConnection(db, keyring, { providerName: 'google', identity, tokens });
    const issued = await createGrant(db, { appId: app.id, accountId: connection.accountId, profileId: connection.profileId, scope: 'list_calendars' });
    const second = await issueAccessToken(db, issued.grant.id, 'list_calendars');

    t.equal((await findAccessToken(db, issued.accessToken))?.grant.id, issued.grant.id);
    t.equal((await findGrantByRefreshToken(db, issued.refreshToken))?.id, issued.grant.id);
    t.equal(await findAccessToken(db, issued.refreshToken), undefined, 'a refresh token is not an access token');

    await revokeToken(db, other.id, issued.refreshToken);
    t.ok(await findGrantByRefreshToken(db, issued.refreshToken), "another app's revocation does nothing");

    await revokeToken(db, app.id, issued.accessToken);
    t.equal(await findAccessToken(db, issued.accessToken), undefined, 'access token revoked alone');
    t.ok(await findAccessToken(db, second.accessToken), 'its sibling lives on');

    await revokeToken(db, app.id, issued.refreshToken);
    t.equal(await findGrantByRefreshToken(db, issued.refreshToken), undefined, 'grant gone');
    t.equal(await findAccessToken(db, second.accessToken), undefined, 'every access token of the grant gone');
  });

  void t.test('grants: an expired access token is not found', async (t) => {
    const db = await database(t);
    const { app } = await createApp(db, { name: 'A', redirectUris: ['https://a.example/cb'] });
    const connection = await saveConnection(db, keyring, { providerName: 'google', identity, tokens });
    const issued = await createGrant(db, { appId: app.id, accountId: connection.accountId, profileId: connection.profileId, scope: 'list_calendars' });
    await db.update(accessTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(accessTokens.grantId, issued.grant.id));
    t.equal(await findAccessToken(db, issued.accessToken), undefined);
  });

  void t.test('calendars: stable ids per upstream calendar, distinct per profile, details kept current', async (t) => {
    const db = await database(t);
    const a = await saveConnection(db, keyring, { providerName: 'google', identity, tokens });
    const b = await saveConnection(db, keyring, { providerName: 'google', identity: { ...identity, subject: 'google-sub-2' }, tokens });
    const cal = (upstreamId: string, extra: Partial<{ name: string; readonly: boolean; deleted: boolean; primary: boolean }> = {}) => ({
      upstreamId, name: upstreamId, readonly: false, deleted: false, primary: false, ...extra,
    });
    const first = await syncCalendars(db, a.profileId, [cal('primary', { primary: true }), cal('team')]);
    const again = await syncCalendars(db, a.profileId, [cal('team', { readonly: true, name: 'Team (renamed)' }), cal('primary', { primary: true }), cal('new')]);
    t.same(again.map((c) => c.upstreamId), ['team', 'primary', 'new'], 'listing order kept');
    t.equal(again[1]!.id, first[0]!.id, 'same id for the same upstream calendar');
    t.equal(again[0]!.id, first[1]!.id);
    t.match(again[0], { readonly: true, name: 'Team (renamed)' }, 'details updated');
    t.match(again[2]!.id, /^cal_[a-z2-7]{24}$/);
    const otherProfile = await syncCalendars(db, b.profileId, [cal('primary')]);
    t.not(otherProfile[0]!.id, first[0]!.id);
    t.same(await syncCalendars(db, a.profileId, []), []);
    t.equal((await findAccountCalendar(db, a.accountId, first[0]!.id))?.calendar.upstreamId, 'primary');
    t.equal(await findAccountCalendar(db, b.accountId, first[0]!.id), undefined, "another account's calendar is not found");
  });

}
