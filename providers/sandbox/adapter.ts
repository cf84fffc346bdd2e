// The sandbox adapter: reaches the simulated upstream over HTTP exactly as a real provider's adapter
// would — OAuth through openid-client (PKCE, code exchange, refresh), calendars through its API.
import * as oidc from 'openid-client';
import { UpstreamError, type CalendarScope, type ProviderAdapter, type ProviderContext, type UpstreamEvent } from '../contract.js';
import { tokensFrom, upstreamErrorFrom } from '../shared/openid.js';
import { SANDBOX_CLIENT_ID } from './server.js';

function apiClient(base: string, fetch: typeof globalThis.fetch) {
  return async function request<T>(method: string, path: string, accessToken: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new UpstreamError('unavailable', 'Sandbox unreachable', { cause: error });
    }
    if (response.status === 401) throw new UpstreamError('unauthorized', 'Sandbox refused the access token', { status: 401 });
    if (response.status === 403) throw new UpstreamError('forbidden', 'Sandbox: read-only calendar', { status: 403 });
    if (response.status === 404) throw new UpstreamError('not_found', 'Sandbox: not found', { status: 404 });
    if (!response.ok) throw new UpstreamError('unavailable', `Sandbox: HTTP ${response.status}`, { status: response.status });
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
}

export function sandboxAdapter(context: ProviderContext): Omit<ProviderAdapter, 'server'> {
  // The browser goes to the public URL; calbroker's own server-side calls go straight to itself.
  const configuration = new oidc.Configuration(
    {
      issuer: `${context.publicUrl}/sandbox`,
      authorization_endpoint: `${context.publicUrl}/sandbox/oauth/authorize`,
      token_endpoint: `${context.selfUrl}/sandbox/oauth/token`,
      revocation_endpoint: `${context.selfUrl}/sandbox/oauth/revoke`,
      userinfo_endpoint: `${context.selfUrl}/sandbox/oauth/userinfo`,
      authorization_response_iss_parameter_supported: true,
    },
    SANDBOX_CLIENT_ID,
    undefined,
    oidc.None(),
  );
  configuration[oidc.customFetch] = context.fetch as oidc.CustomFetch;
  if (context.selfUrl.startsWith('http:') || context.publicUrl.startsWith('http:')) oidc.allowInsecureRequests(configuration);
  const api = apiClient(`${context.selfUrl}/sandbox/api`, context.fetch);
  const path = (id: string) => encodeURIComponent(id);

  return {
    name: 'sandbox',
    displayName: 'Sandbox',
    signInOrigin: new URL(context.publicUrl).origin,
    simulated: true,
    oauth: {
      async startAuthorization({ state, redirectUri, scopes }) {
        const verifier = oidc.randomPKCECodeVerifier();
        const url = oidc.buildAuthorizationUrl(configuration, {
          redirect_uri: redirectUri,
          scope: scopes.join(' '),
          state,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        });
        return { url, pending: { verifier, scopes: scopes.join(' ') } };
      },
      async completeAuthorization({ callbackUrl, state, pending }) {
        try {
          const response = await oidc.authorizationCodeGrant(configuration, callbackUrl, { pkceCodeVerifier: pending.verifier, expectedState: state });
          const user = await oidc.fetchUserInfo(configuration, response.access_token, oidc.skipSubjectCheck);
          const email = String(user.email);
          return {
            identity: { subject: user.sub, email, name: typeof user.name === 'string' ? user.name : undefined, profileName: email },
            tokens: tokensFrom(response),
            grantedScopes: (pending.scopes ?? '').split(' ').filter(Boolean) as CalendarScope[],
          };
        } catch (error) {
          throw upstreamErrorFrom(error, 'Sandbox code exchange');
        }
      },
      async refresh(refreshToken) {
        try {
          return tokensFrom(await oidc.refreshTokenGrant(configuration, refreshToken));
        } catch (error) {
          throw upstreamErrorFrom(error, 'Sandbox token refresh');
        }
      },
      async revoke(token) {
        await oidc.tokenRevocation(configuration, token).catch((error: unknown) => {
          throw upstreamErrorFrom(error, 'Sandbox revocation');
        });
      },
    },
    calendars: {
      async listCalendars(accessToken) {
        const { calendars } = await api<{ calendars: Array<{ id: string; name: string; readonly: boolean; primary: boolean }> }>('GET', '/calendars', accessToken);
        return calendars.map((c) => ({ upstreamId: c.id, name: c.name, readonly: c.readonly, deleted: false, primary: c.primary }));
      },
    },
    events: {
      async listEvents(accessToken, calendarId, query) {
        const params = new URLSearchParams({ from: query.from.toISOString(), to: query.to.toISOString(), include_deleted: String(query.includeDeleted) });
        if (query.updatedSince) params.set('updated_since', query.updatedSince.toISOString());
        const { events } = await api<{ events: UpstreamEvent[] }>('GET', `/calendars/${path(calendarId)}/events?${params}`, accessToken);
        return events.filter((e) => query.includeDeleted || e.status !== 'cancelled');
      },
      async upsertEvent(accessToken, calendarId, managedKey, write) {
        await api('PUT', `/calendars/${path(calendarId)}/events/${path(managedKey)}`, accessToken, write);
      },
      async deleteEvent(accessToken, calendarId, ref) {
        const id = 'managedKey' in ref ? ref.managedKey : ref.upstreamId;
        await api('DELETE', `/calendars/${path(calendarId)}/events/${path(id)}`, accessToken).catch((error: unknown) => {
          if (!(error instanceof UpstreamError && error.kind === 'not_found')) throw error;
        });
      },
    },
    freeBusy: {
      async freeBusy(accessToken, calendarIds, from, to) {
        const { busy } = await api<{ busy: Array<{ calendar: string; start: string; end: string }> }>('POST', '/freebusy', accessToken, {
          from: from.toISOString(),
          to: to.toISOString(),
          calendars: calendarIds,
        });
        return busy.map((b) => ({ calendarUpstreamId: b.calendar, start: b.start, end: b.end }));
      },
    },
  };
}
