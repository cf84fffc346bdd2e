// Seeds a connected account and a calbroker authorization code directly through our own storage,
// for endpoint tests that are about the token endpoint rather than the hosted flow.
import type { FastifyInstance } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { randomSecret } from '../../src/crypto/tokens.js';
import { authorizationCodes } from '../../src/oauth/flow-state.js';
import { createApp } from '../../src/storage/apps.js';
import { saveConnection } from '../../src/storage/connections.js';

export const REDIRECT_URI = 'https://app.example.com/cb';

/** A confidential app (client_secret_basic), unless options say otherwise. */
export async function seedApp(app: FastifyInstance, name = 'Planner', options: { rotateRefreshTokens?: boolean } = {}) {
  const { app: client, clientSecret } = await createApp(app.db, { name, redirectUris: [REDIRECT_URI], ...options });
  return { clientId: client.id, clientSecret: clientSecret! };
}

/** A public client: no secret, PKCE required, rotating refresh tokens. */
export async function seedPublicApp(app: FastifyInstance) {
  const { app: client } = await createApp(app.db, { name: 'Mobile', redirectUris: [REDIRECT_URI], tokenEndpointAuthMethod: 'none' });
  return { clientId: client.id };
}

export async function seedConnection(app: FastifyInstance, subject = 'sub-1') {
  return saveConnection(app.db, app.keyring, {
    providerName: 'google',
    identity: { subject, email: 'ada@example.com', name: 'Ada', profileName: 'ada@example.com' },
    tokens: { accessToken: 'ya29.x', refreshToken: '1//x', expiresAt: new Date(Date.now() + 3600_000), scope: 'openid' },
  });
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function seedCode(
  app: FastifyInstance,
  clientId: string,
  options: { scope?: string; codeChallenge?: string } = {},
): Promise<string> {
  const connection = await seedConnection(app);
  const code = randomSecret();
  await authorizationCodes.put(app.stateStore, code, {
    clientId,
    redirectUri: REDIRECT_URI,
    codeChallenge: options.codeChallenge,
    scope: options.scope ?? 'read_account list_calendars',
    accountId: connection.accountId,
    profileId: connection.profileId,
    expiresAt: Date.now() + authorizationCodes.ttlSeconds * 1000,
  });
  return code;
}
