// Google sign-in and token upkeep, all through openid-client (discovery, PKCE, nonce, id_token checks).
import * as oidc from 'openid-client';
import { UpstreamError, type CalendarScope, type OAuthConnector } from '../contract.js';
import { tokensFrom, upstreamErrorFrom } from '../shared/openid.js';
import { googleScopesFor, grantedCalendarScopes } from './scopes.js';
import type { GoogleSettings } from './settings.js';


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
        throw upstreamErrorFrom(error, 'Google discovery');
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
        throw upstreamErrorFrom(error, 'Google code exchange');
      }
    },

    async refresh(refreshToken) {
      try {
        return tokensFrom(await oidc.refreshTokenGrant(await config(), refreshToken));
      } catch (error) {
        throw upstreamErrorFrom(error, 'Google token refresh');
      }
    },

    async revoke(token) {
      try {
        await oidc.tokenRevocation(await config(), token);
      } catch (error) {
        throw upstreamErrorFrom(error, 'Google revocation');
      }
    },
  };
}
