// grant_type=refresh_token (RFC 6749 section 6). The refresh token stays the same, as at Cronofy.
import type { FastifyInstance } from 'fastify';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../../errors.js';
import type { Params } from '../../../oauth/parameters.js';
import { formatScope, parseScope } from '../../../oauth/scopes.js';
import { isPublicClient } from '../../../storage/apps.js';
import { findGrantByRefreshToken, issueAccessToken, revokeFamilyOfRetired, revokeGrant, rotateRefreshToken } from '../../../storage/grants.js';
import type { App } from '../../../storage/schema.js';
import { tokenResponse } from '../response.js';

export async function refreshTokenGrant(app: FastifyInstance, client: App, params: Params) {
  if (!params.refresh_token) throw new InvalidRequest('refresh_token is required');
  const grant = await findGrantByRefreshToken(app.db, params.refresh_token);
  if (!grant) {
    if (await revokeFamilyOfRetired(app.db, params.refresh_token)) {
      app.log.warn({ clientId: client.id }, 'a rotated-out refresh token was presented again; its whole grant was revoked');
    }
    throw new InvalidGrant('The refresh token is invalid or revoked');
  }
  if (grant.appId !== client.id) throw new InvalidGrant('The refresh token is invalid or revoked');

  let scope = grant.scope;
  if (params.scope) {
    const granted = grant.scope.split(' ');
    const asked = parseScope(params.scope);
    // A refresh may narrow the scope, never widen it (RFC 6749 section 6).
    if (asked.some((s) => !granted.includes(s))) throw new InvalidScope('The requested scope exceeds what was granted');
    scope = formatScope(asked);
  }
  let refreshToken = params.refresh_token;
  // Public clients always rotate (RFC 9700 4.14.2); confidential ones keep a stable token unless they opted in.
  if (isPublicClient(client) || client.rotateRefreshTokens) {
    const rotated = await rotateRefreshToken(app.db, grant);
    if (!rotated) {
      // Another request rotated this token first: the same token used twice is reuse.
      await revokeGrant(app.db, grant.id);
      throw new InvalidGrant('The refresh token was already used');
    }
    refreshToken = rotated;
  }
  const issued = await issueAccessToken(app.db, grant.id, scope);
  return tokenResponse(app.db, grant, { ...issued, refreshToken, scope });
}
