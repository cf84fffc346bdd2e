// Google sign-in and token upkeep, all through openid-client (discovery, PKCE, nonce, id_token checks).
import * as oidc from 'openid-client';
import { UpstreamError, type CalendarScope, type OAuthConnector, type UpstreamTokens } from '../contract.js';
import { googleScopesFor, grantedCalendarScopes } from './scopes.js';
import type { GoogleSettings } from './settings.js';


/** Maps openid-client's failures onto the contract's upstream error kinds. */
function toUpstreamError(error: unknown, action: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    const kind = error.error === 'access_denied' ? 'access_denied' : 'invalid_response';
    return new UpstreamError(kind, `Google ${action}: ${error.error}`, { cause: error });
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === 'invalid_grant') return new UpstreamError('invalid_grant', `Google ${action}: invalid_grant`, { status: error.status, cause: error });
    if (error.status === 429) return new UpstreamError('rate_limited', `Google ${action}: rate limited`, { status: 429, cause: error });
    if (error.status >= 500) return new UpstreamError('unavailable', `Google ${action}: HTTP ${error.status}`, { status: error.status, cause: error });
    return new UpstreamError('invalid_response', `Google ${action}: ${error.error}`, { status: error.status, cause: error });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return new UpstreamError('unauthorized', `Google ${action}: access token refused`, { status: error.status, cause: error });
  }
  const name = (error as { name?: string } | undefined)?.name;
  const code = (error as { code?: string } | undefined)?.code;
  // Network failures, timeouts and non-JSON 5xx bodies are temporary.
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'OAUTH_RESPONSE_IS_NOT_JSON' || error instanceof TypeError) {
    return new UpstreamError('unavailable', `Google ${action}: unreachable`, { cause: error });
  }
  if (error instanceof oidc.ClientError) {
    // A non-OAuth error body (a 5xx page, Google's API-style JSON) arrives as a ClientError carrying the Response.
    const status = (error.cause as { status?: unknown } | undefined)?.status;
    if (status === 429) return new UpstreamError('rate_limited', `Google ${action}: HTTP 429`, { status, cause: error });
    if (typeof status === 'number' && status >= 500) return new UpstreamError('unavailable', `Google ${action}: HTTP ${status}`, { status, cause: error });
    return new UpstreamError('invalid_response', `Google ${action}: ${error.message}`, { cause: error });
  }
  return new UpstreamError('unavailable', `Google ${action} failed`, { cause: error });
}

function tokensFrom(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): UpstreamTokens {
  const expiresIn = response.expiresIn();
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn * 1000),
    scope: response.scope ?? '',
  };
}

export function googleOAuth(settings: GoogleSettings, fetch: typeof globalThis.fetch): OAuthConnector {
  let configuration: Promise<oidc.Configuration> | undefined;

  // Discovered on first use and cached; a failed discovery is retried on the next request.
  const config = (): Promise<oidc.Configuration> => {
    configuration ??= oidc
      .discovery(settings.issuer, settings.clientId, settings.clientSecret, oidc.ClientSecretBasic(settings.clientSecret), {
        // The core's HTTP client carries the timeouts and keep-alive connections.
        [oidc.customFetch]: fetch as oidc.CustomFetch,
        execute: settings.issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      })
      .then((configuration) => {
        configuration[oidc.customFetch] = fetch as oidc.CustomFetch;
        return configuration;
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw toUpstreamError(error, 'discovery');
      });
    return configuration;
  };

  return {
    async startAuthorization({ state, redirectUri, scopes }) {
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(await config(), {
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: googleScopesFor(scopes),
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: 'true',
      });
      return { url, pending: { verifier, nonce, scopes: scopes.join(' ') } };
    },

    async completeAuthorization({ callbackUrl: currentUrl, state, pending }) {
      const configuration = await config();
      try {
        const response = await oidc.authorizationCodeGrant(configuration, currentUrl, {
          pkceCodeVerifier: pending.verifier,
          expectedState: state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = response.claims();
        if (!claims) throw new UpstreamError('invalid_response', 'Google sent no id_token');
        const userinfo = await oidc.fetchUserInfo(configuration, response.access_token, claims.sub);
        const email = typeof userinfo.email === 'string' ? userinfo.email : undefined;
        const tokens = tokensFrom(response);
        const requested = (pending.scopes ?? '').split(' ').filter(Boolean) as CalendarScope[];
        return {
          identity: { subject: claims.sub, email, name: userinfo.name, profileName: email ?? claims.sub },
          tokens,
          grantedScopes: grantedCalendarScopes(requested, tokens.scope),
        };
      } catch (error) {
        throw toUpstreamError(error, 'code exchange');
      }
    },

    async refresh(refreshToken) {
      try {
        return tokensFrom(await oidc.refreshTokenGrant(await config(), refreshToken));
      } catch (error) {
        throw toUpstreamError(error, 'token refresh');
      }
    },

    async revoke(token) {
      try {
        await oidc.tokenRevocation(await config(), token);
      } catch (error) {
        throw toUpstreamError(error, 'revocation');
      }
    },
  };
}
