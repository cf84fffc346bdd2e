// grant_type=authorization_code (RFC 6749 4.1.3, with PKCE per RFC 7636).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { InvalidGrant, InvalidRequest } from '../../../errors.js';
import { authorizationCodes, redeemedCodes } from '../../../oauth/flow-state.js';
import type { Params } from '../../../oauth/parameters.js';
import { createGrant, revokeGrant } from '../../../storage/grants.js';
import type { App } from '../../../storage/schema.js';
import { tokenResponse } from '../response.js';

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export async function authorizationCodeGrant(app: FastifyInstance, client: App, params: Params) {
  if (!params.code) throw new InvalidRequest('code is required');
  if (!params.redirect_uri) throw new InvalidRequest('redirect_uri is required');
  if (params.code_verifier && !VERIFIER.test(params.code_verifier)) throw new InvalidRequest('code_verifier is malformed');

  // Taken atomically: of two parallel redemptions only one finds the code.
  const code = await authorizationCodes.take(app.stateStore, params.code);
  if (!code) {
    // A second redemption means the code leaked: revoke what the first one issued (RFC 6749 4.1.2).
    const redeemed = await redeemedCodes.get(app.stateStore, params.code);
    if (redeemed) {
      await revokeGrant(app.db, redeemed.grantId);
      app.log.warn({ clientId: client.id, grantId: redeemed.grantId }, 'authorization code reused; its grant was revoked');
    }
    throw new InvalidGrant('The authorization code is invalid, expired or already used');
  }
  if (code.clientId !== client.id) throw new InvalidGrant('The authorization code was issued to another client');
  if (code.redirectUri !== params.redirect_uri) throw new InvalidGrant('redirect_uri does not match the authorization request');
  if (code.codeChallenge) {
    if (!params.code_verifier) throw new InvalidGrant('code_verifier is required: the authorization request carried a code_challenge');
    const computed = createHash('sha256').update(params.code_verifier).digest('base64url');
    if (computed !== code.codeChallenge) throw new InvalidGrant('code_verifier does not match the code_challenge');
  } else if (params.code_verifier) {
    throw new InvalidGrant('code_verifier was sent but the authorization request had no code_challenge');
  }

  let issued;
  try {
    issued = await createGrant(app.db, { appId: client.id, accountId: code.accountId, profileId: code.profileId, scope: code.scope });
  } catch (error) {
    // Nothing was issued (the database failed): put the code back so the app can retry.
    const remaining = (code.expiresAt - Date.now()) / 1000;
    if (remaining > 1) await authorizationCodes.put(app.stateStore, params.code, code, remaining).catch(() => {});
    throw error;
  }
  await redeemedCodes.put(app.stateStore, params.code, { grantId: issued.grant.id }, Math.max(1, (code.expiresAt - Date.now()) / 1000));
  return tokenResponse(app.db, issued.grant, { ...issued, scope: issued.grant.scope });
}
