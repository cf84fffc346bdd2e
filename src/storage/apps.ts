// Registered apps (OAuth clients). Client secrets are returned once, at creation, and stored hashed.
import { asc, eq } from 'drizzle-orm';
import { hashSecret, randomId, randomSecret } from '../crypto/tokens.js';
import type { ClientInformation } from '../schemas/oauth.js';
import type { Database } from './database.js';
import { apps, type App } from './schema.js';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface NewApp {
  name: string;
  redirectUris: string[];
  /** "none" registers a public client: no secret, PKCE required, rotating refresh tokens. */
  tokenEndpointAuthMethod?: AuthMethod;
  rotateRefreshTokens?: boolean;
}

/** Creates an app; `clientSecret` is undefined for public clients. */
export async function createApp(db: Database, input: NewApp): Promise<{ app: App; clientSecret: string | undefined }> {
  const method = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
  const clientSecret = method === 'none' ? undefined : randomSecret();
  const [app] = await db
    .insert(apps)
    .values({
      id: randomId('app'),
      name: input.name,
      redirectUris: input.redirectUris,
      secretHash: clientSecret ? hashSecret(clientSecret) : null,
      tokenEndpointAuthMethod: method,
      rotateRefreshTokens: input.rotateRefreshTokens ?? false,
    })
    .returning();
  return { app: app!, clientSecret };
}

/** A new secret; the current one stays valid as the previous secret until the next rotation. */
export async function rotateSecret(db: Database, clientId: string): Promise<{ app: App; clientSecret: string } | undefined> {
  const app = await findApp(db, clientId);
  if (!app || !app.secretHash) return undefined;
  const clientSecret = randomSecret();
  const [updated] = await db
    .update(apps)
    .set({ secretHash: hashSecret(clientSecret), previousSecretHash: app.secretHash })
    .where(eq(apps.id, clientId))
    .returning();
  return { app: updated!, clientSecret };
}

export function isPublicClient(app: App): boolean {
  return app.tokenEndpointAuthMethod === 'none';
}

export async function findApp(db: Database, clientId: string): Promise<App | undefined> {
  const [app] = await db.select().from(apps).where(eq(apps.id, clientId));
  return app;
}

export async function listApps(db: Database): Promise<App[]> {
  return db.select().from(apps).orderBy(asc(apps.createdAt));
}

/** RFC 7591 client information response (without the secret, which only creation reveals). */
export function clientMetadata(app: App): ClientInformation {
  return {
    client_id: app.id,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    client_id_issued_at: Math.floor(app.createdAt.getTime() / 1000),
    client_secret_expires_at: 0,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    rotate_refresh_tokens: app.rotateRefreshTokens || app.tokenEndpointAuthMethod === 'none',
    verified: app.verified,
  };
}
