// The demo app: a pre-registered public client (PKCE, no secret to keep) whose pages calbroker
// serves under /demo, so a newcomer sees the whole flow with one click.
import type { Database } from '../storage/database.js';
import { createApp, listApps } from '../storage/apps.js';
import type { App } from '../storage/schema.js';

export const DEMO_APP_NAME = 'calbroker demo';

export function demoRedirectUri(publicUrl: string): string {
  return `${publicUrl}/demo/callback`;
}

/** The demo app for this PUBLIC_URL, created the first time. */
export async function ensureDemoApp(db: Database, publicUrl: string): Promise<App> {
  const redirectUri = demoRedirectUri(publicUrl);
  const existing = (await listApps(db)).find((app) => app.tokenEndpointAuthMethod === 'none' && app.redirectUris.includes(redirectUri));
  if (existing) return existing;
  return (await createApp(db, { name: DEMO_APP_NAME, redirectUris: [redirectUri], tokenEndpointAuthMethod: 'none' })).app;
}
