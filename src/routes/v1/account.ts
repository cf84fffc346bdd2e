// GET /v1/account, GET /v1/profiles, GET /v1/userinfo and POST /v1/profiles/{profile_id}/revoke.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatCalendar, listAccountCalendars, type LiveCalendar } from '../../calendar/account-calendars.js';
import { ApiError } from '../../errors.js';
import { withQuery } from '../../http/urls.js';
import { AccountResponse, ProfilesResponse, UserInfoResponse, type ProfileInfo } from '../../schemas/account.js';
import { findAccount } from '../../storage/accounts.js';
import { findApp } from '../../storage/apps.js';
import { loadTokens } from '../../storage/credentials.js';
import { accountProfiles, disconnectProfile } from '../../storage/profiles.js';
import type { App, Profile } from '../../storage/schema.js';
import { ProfileDisconnectedError, type UpstreamAccess } from '../../upstream/access.js';
import { API_ERRORS, apiError, described, noBody, SCOPE_ERROR } from '../../schemas/responses.js';

const NOT_FOUND = { 404: apiError('The account no longer exists (`not_found`).') };

const accountSchema = {
  summary: 'Get the account',
  description: "The user's calbroker account: its id, the user's email address and name, and their default time zone.",
  tags: ['Calendar API'],
  response: { 200: described(AccountResponse, 'The account.') },
  documentation: { response: { ...API_ERRORS, ...SCOPE_ERROR, ...NOT_FOUND } },
};

const profilesSchema = {
  summary: 'List profiles',
  description:
    'The calendar accounts (profiles) the user connected. A profile whose provider access ended shows `profile_connected: false` ' +
    'and a `profile_relink_url`, where the user connects it again; the profile id stays.',
  tags: ['Calendar API'],
  response: { 200: described(ProfilesResponse, 'The profiles.') },
  documentation: { response: API_ERRORS },
};

const userinfoSchema = {
  summary: 'Get user info',
  description: "OpenID-style identity plus Cronofy's `cronofy.data`: the authorization, and each profile with its calendars.",
  tags: ['Calendar API'],
  response: { 200: described(UserInfoResponse, 'The user info.') },
  documentation: { response: { ...API_ERRORS, ...NOT_FOUND } },
};

const revokeProfileSchema = {
  summary: 'Revoke a profile',
  description: "Revokes calbroker's access at the provider, forgets the profile's tokens and marks it disconnected. The user can connect it again.",
  tags: ['Calendar API'],
  params: Type.Object({ profile_id: Type.String({ description: 'The profile, from `/v1/profiles`.' }) }),
  documentation: {
    response: { 202: noBody('Revoked.'), ...API_ERRORS, 404: apiError('No such profile in this account (`not_found`).') },
  },
};

export async function accountRoutes(app: FastifyInstance, options: { upstream: UpstreamAccess; publicUrl: string }) {
  async function account(request: FastifyRequest) {
    const row = await findAccount(app.db, request.bearer.grant.accountId);
    if (!row) throw new ApiError(404, { error: 'not_found', message: 'The account no longer exists' });
    return row;
  }

  /** Where the user reconnects a profile: this app's authorize page, preselecting the provider. The profile id stays. */
  function relinkUrl(request: FastifyRequest, client: App | undefined, profile: Profile): string | undefined {
    if (!client?.redirectUris[0]) return undefined;
    return withQuery(`${options.publicUrl}/oauth/authorize`, {
      response_type: 'code',
      client_id: client.id,
      redirect_uri: client.redirectUris[0],
      scope: request.bearer.grant.scope,
      provider_name: profile.providerName,
    });
  }

  /** Cronofy's profile entries; the app (for relink URLs) is read once, and only if a profile needs one. */
  async function profileInfos(request: FastifyRequest, profiles: Profile[]): Promise<ProfileInfo[]> {
    const client = profiles.some((p) => !p.connected) ? await findApp(app.db, request.bearer.grant.appId) : undefined;
    return profiles.map((profile) => ({
      provider_name: profile.providerName,
      profile_id: profile.id,
      profile_name: profile.profileName,
      profile_connected: profile.connected,
      ...(!profile.connected && { profile_relink_url: relinkUrl(request, client, profile) }),
    }));
  }

  app.get('/v1/account', { config: { errorStyle: 'api', scope: 'read_account' }, schema: accountSchema }, async (request) => {
    const row = await account(request);
    return { account: { account_id: row.id, email: row.email, name: row.name, default_tzid: row.defaultTzid } };
  });

  app.get('/v1/profiles', { config: { errorStyle: 'api' }, schema: profilesSchema }, async (request) => {
    const profiles = await accountProfiles(app.db, request.bearer.grant.accountId);
    return { profiles: await profileInfos(request, profiles) };
  });

  app.get('/v1/userinfo', { config: { errorStyle: 'api' }, schema: userinfoSchema }, async (request) => {
    const row = await account(request);
    let live: LiveCalendar[] = [];
    try {
      live = await listAccountCalendars(app.db, app.providers, options.upstream, row.id);
    } catch (error) {
      // Identity still answers when no profile can be listed; the profiles say which need relinking.
      if (!(error instanceof ProfileDisconnectedError)) throw error;
    }
    const profiles = await accountProfiles(app.db, row.id);
    const infos = await profileInfos(request, profiles);
    return {
      sub: row.id,
      email: row.email,
      name: row.name,
      zoneinfo: row.defaultTzid,
      'cronofy.type': 'account' as const,
      'cronofy.data': {
        authorization: { scope: request.bearer.grant.scope, status: 'active' },
        profiles: profiles.map((profile, i) => ({
          ...infos[i]!,
          provider_service: profile.providerName,
          profile_initial_sync_required: false,
          profile_calendars: live
            .filter((c) => c.profile.id === profile.id)
            .map((c) => {
              const { provider_name: _p, profile_id: _i, profile_name: _n, ...calendar } = formatCalendar(c);
              return calendar;
            }),
        })),
      },
    };
  });

  app.post<{ Params: { profile_id: string } }>('/v1/profiles/:profile_id/revoke', { config: { errorStyle: 'api' }, schema: revokeProfileSchema }, async (request, reply) => {
    const profile = (await accountProfiles(app.db, request.bearer.grant.accountId)).find((p) => p.id === request.params.profile_id);
    if (!profile) throw new ApiError(404, { error: 'not_found', message: `No profile ${request.params.profile_id} in this account` });
    const provider = app.providers.get(profile.providerName);
    const tokens = await loadTokens(app.db, app.keyring, profile.id);
    if (provider?.oauth.revoke && tokens) {
      try {
        // Revoking the refresh token at the provider ends its access tokens too.
        await provider.oauth.revoke(tokens.refreshToken ?? tokens.accessToken);
      } catch (error) {
        // The user asked to disconnect: forget our tokens even if the provider could not be told.
        request.log.warn({ profileId: profile.id, reason: (error as Error).message }, 'upstream revocation failed; disconnecting locally');
      }
    }
    await disconnectProfile(app.db, profile.id);
    return reply.code(202).send();
  });
}
