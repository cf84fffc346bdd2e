// Registered apps (OAuth clients). Client secrets are returned once, at creation, and stored hashed.
import { asc, eq } from 'drizzle-orm';
import { hashSecret, randomId, randomSecret } from '../crypto/tokens.js';
import type { ClientInformation } from '../schemas/oauth.js';
import type { Database } from './database.js';
import { apps, type App } from './schema.js';

export interface NewApp {
  name: string;
  redirectUris: string[];
}

export async function createApp(db: Database, input: NewApp): Promise<{ app: App; clientSecret: string }> {
  const clientSecret = randomSecret();
  const [app] = await db
    .insert(apps)
    .values({ id: randomId('app'), name: input.name, redirectUris: input.redirectUris, secretHash: hashSecret(clientSecret) })
    .returning();
  return { app: app!, clientSecret };
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
    token_endpoint_auth_method: 'client_secret_basic',
    verified: app.verified,
  };
}
