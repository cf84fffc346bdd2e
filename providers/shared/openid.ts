// openid-client helpers shared by providers: its failures as the contract's error kinds, and its
// token responses as UpstreamTokens.
import * as oidc from 'openid-client';
import { UpstreamError, type UpstreamTokens } from '../contract.js';

/** Maps openid-client's failures onto the contract's upstream error kinds. */
export function upstreamErrorFrom(error: unknown, action: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    const kind = error.error === 'access_denied' ? 'access_denied' : 'invalid_response';
    return new UpstreamError(kind, `${action}: ${error.error}`, { cause: error });
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === 'invalid_grant') return new UpstreamError('invalid_grant', `${action}: invalid_grant`, { status: error.status, cause: error });
    if (error.status === 429) return new UpstreamError('rate_limited', `${action}: rate limited`, { status: 429, cause: error });
    if (error.status >= 500) return new UpstreamError('unavailable', `${action}: HTTP ${error.status}`, { status: error.status, cause: error });
    return new UpstreamError('invalid_response', `${action}: ${error.error}`, { status: error.status, cause: error });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return new UpstreamError('unauthorized', `${action}: access token refused`, { status: error.status, cause: error });
  }
  const name = (error as { name?: string } | undefined)?.name;
  const code = (error as { code?: string } | undefined)?.code;
  // Network failures, timeouts and non-JSON 5xx bodies are temporary.
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'OAUTH_RESPONSE_IS_NOT_JSON' || error instanceof TypeError) {
    return new UpstreamError('unavailable', `${action}: unreachable`, { cause: error });
  }
  if (error instanceof oidc.ClientError) {
    // A non-OAuth error body (a 5xx page, Google's API-style JSON) arrives as a ClientError carrying the Response.
    const status = (error.cause as { status?: unknown } | undefined)?.status;
    if (status === 429) return new UpstreamError('rate_limited', `${action}: HTTP 429`, { status, cause: error });
    if (typeof status === 'number' && status >= 500) return new UpstreamError('unavailable', `${action}: HTTP ${status}`, { status, cause: error });
    return new UpstreamError('invalid_response', `${action}: ${error.message}`, { cause: error });
  }
  return new UpstreamError('unavailable', `${action} failed`, { cause: error });
}

export function tokensFrom(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): UpstreamTokens {
  const expiresIn = response.expiresIn();
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn * 1000),
    scope: response.scope ?? '',
  };
}
