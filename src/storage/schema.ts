// Durable data. Secrets, refresh tokens and access tokens are stored only as hashes;
// upstream tokens only encrypted (see src/crypto/keyring.ts).
import { boolean, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Registered client applications. `id` is the OAuth client_id. */
export const apps = pgTable('apps', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  redirectUris: text('redirect_uris').array().notNull(),
  /** Null for public clients (token_endpoint_auth_method "none"), which must use PKCE. */
  secretHash: text('secret_hash'),
  /** The secret before the last rotation, still accepted so apps can roll over without downtime. */
  previousSecretHash: text('previous_secret_hash'),
  tokenEndpointAuthMethod: text('token_endpoint_auth_method').notNull().default('client_secret_basic'),
  /** Issue a new refresh token on every refresh (always on for public clients). */
  rotateRefreshTokens: boolean('rotate_refresh_tokens').notNull().default(false),
  verified: boolean('verified').notNull().default(false),
  createdAt: createdAt(),
});

/** A calbroker account (Cronofy's acc_...): one person, owning one or more upstream profiles. */
export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  email: text('email'),
  name: text('name'),
  defaultTzid: text('default_tzid').notNull().default('Etc/UTC'),
  createdAt: createdAt(),
});

/** One connected upstream account (Cronofy's pro_...), found again by its provider's stable subject. */
export const profiles = pgTable(
  'profiles',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
    providerName: text('provider_name').notNull(),
    providerSubject: text('provider_subject').notNull(),
    profileName: text('profile_name').notNull(),
    connected: boolean('connected').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('profiles_provider_subject').on(t.providerName, t.providerSubject), index('profiles_account').on(t.accountId)],
);

/** Upstream tokens of a profile, encrypted as one blob under `keyId` with the profile id as additional data. */
export const upstreamCredentials = pgTable('upstream_credentials', {
  profileId: text('profile_id').primaryKey().references(() => profiles.id, { onDelete: 'cascade' }),
  keyId: text('key_id').notNull(),
  ciphertext: text('ciphertext').notNull(),
  accessExpiresAt: timestamp('access_expires_at', { withTimezone: true }),
  scope: text('scope').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * calbroker's stable, URL-safe calendar ids (cal_...) for upstream calendars, with what the last
 * listing said of each, so writes can refuse read-only or deleted calendars without asking upstream.
 */
export const calendars = pgTable(
  'calendars',
  {
    id: text('id').primaryKey(),
    profileId: text('profile_id').notNull().references(() => profiles.id, { onDelete: 'cascade' }),
    upstreamId: text('upstream_id').notNull(),
    name: text('name').notNull().default(''),
    readonly: boolean('readonly').notNull().default(false),
    deleted: boolean('deleted').notNull().default(false),
    primary: boolean('primary').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('calendars_profile_upstream').on(t.profileId, t.upstreamId)],
);

/** An app's authorization to an account: what a redeemed code creates, and what its refresh token names. */
export const grants = pgTable(
  'grants',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
    accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
    /** The profile connected in the authorization that created this grant (Cronofy's linking_profile). */
    profileId: text('profile_id').notNull().references(() => profiles.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    refreshTokenHash: text('refresh_token_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('grants_refresh_token').on(t.refreshTokenHash), index('grants_account').on(t.accountId)],
);

/** Refresh tokens superseded by rotation. Presenting one again is reuse: the whole grant is revoked. */
export const retiredRefreshTokens = pgTable(
  'retired_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    grantId: text('grant_id').notNull().references(() => grants.id, { onDelete: 'cascade' }),
    retiredAt: timestamp('retired_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('retired_refresh_tokens_grant').on(t.grantId)],
);

export const accessTokens = pgTable(
  'access_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    grantId: text('grant_id').notNull().references(() => grants.id, { onDelete: 'cascade' }),
    /** The grant's scope, or a narrower one asked for at refresh. */
    scope: text('scope').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('access_tokens_grant').on(t.grantId)],
);

export type App = typeof apps.$inferSelect;
export type Account = typeof accounts.$inferSelect;
export type Profile = typeof profiles.$inferSelect;
export type Grant = typeof grants.$inferSelect;
export type CalendarRow = typeof calendars.$inferSelect;
