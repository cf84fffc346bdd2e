// Cronofy's token response body.
import type { TokenResponse } from '../../schemas/oauth.js';
import type { Database } from '../../storage/database.js';
import { findProfile } from '../../storage/profiles.js';
import type { Grant } from '../../storage/schema.js';

export async function tokenResponse(
  db: Database,
  grant: Grant,
  tokens: { accessToken: string; refreshToken: string; expiresIn: number; scope: string },
): Promise<TokenResponse> {
  const profile = await findProfile(db, grant.profileId);
  return {
    token_type: 'bearer',
    access_token: tokens.accessToken,
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    scope: tokens.scope,
    account_id: grant.accountId,
    sub: grant.accountId,
    ...(profile && {
      linking_profile: { provider_name: profile.providerName, profile_id: profile.id, profile_name: profile.profileName },
    }),
  };
}
