// Typed errors. Each carries what the client may see (code, description, status) apart from
// `detail`, which is for our logs only. They are rendered in one place: src/http/error-handler.ts.

interface ErrorOptions {
  detail?: string;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** RFC 6749 / 6750 / 7009 / 7591 errors. */
export class OAuthError extends Error {
  readonly status: number;
  readonly code: string;
  readonly description: string;
  /** Whether the authorize endpoint may send it back to the app's redirect_uri (RFC 6749 4.1.2.1). */
  readonly redirectable: boolean;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, description: string, redirectable: boolean, options: ErrorOptions = {}) {
    super(`${code}: ${description}`, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.description = description;
    this.redirectable = redirectable;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

const oauthError = (status: number, code: string, redirectable: boolean) =>
  class extends OAuthError {
    constructor(description: string, options?: ErrorOptions) {
      super(status, code, description, redirectable, options);
    }
  };

export class InvalidRequest extends oauthError(400, 'invalid_request', true) {}
export class UnsupportedResponseType extends oauthError(400, 'unsupported_response_type', true) {}
export class InvalidScope extends oauthError(400, 'invalid_scope', true) {}
export class AccessDenied extends oauthError(403, 'access_denied', true) {}
export class ServerError extends oauthError(500, 'server_error', true) {}
export class TemporarilyUnavailable extends oauthError(503, 'temporarily_unavailable', true) {}
export class InvalidGrant extends oauthError(400, 'invalid_grant', false) {}
export class UnauthorizedClient extends oauthError(400, 'unauthorized_client', false) {}
export class UnsupportedGrantType extends oauthError(400, 'unsupported_grant_type', false) {}
export class InvalidRedirectUri extends oauthError(400, 'invalid_redirect_uri', false) {}
export class InvalidClientMetadata extends oauthError(400, 'invalid_client_metadata', false) {}

/** Client authentication failed. RFC 6749 5.2: 401, with a challenge for the scheme the client tried. */
export class InvalidClient extends OAuthError {
  constructor(description: string, options: ErrorOptions & { usedBasic?: boolean } = {}) {
    const headers: Record<string, string> = options.usedBasic ? { 'WWW-Authenticate': 'Basic realm="calbroker"' } : {};
    super(401, 'invalid_client', description, false, { ...options, headers: { ...headers, ...options.headers } });
  }
}

/** RFC 6750 section 3: errors of the bearer-protected API, signalled in WWW-Authenticate. */
export class BearerError extends OAuthError {
  constructor(status: 401 | 403 | 400, code: string | undefined, description: string, extra: Record<string, string> = {}) {
    const params = [`realm="calbroker"`];
    if (code) params.push(`error="${code}"`, `error_description="${description}"`);
    for (const [key, value] of Object.entries(extra)) params.push(`${key}="${value}"`);
    super(status, code ?? 'unauthorized', description, false, { headers: { 'WWW-Authenticate': `Bearer ${params.join(', ')}` } });
  }
}

export const invalidToken = (description = 'The access token is missing, expired or revoked') =>
  new BearerError(401, 'invalid_token', description);
export const insufficientScope = (scope: string) =>
  new BearerError(403, 'insufficient_scope', `This call needs the ${scope} scope`, { scope });

/** A hosted HTML page that must not redirect (unknown client, bad redirect_uri, broken upstream state). */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly explanation: string,
    readonly options: { detail?: string; link?: { href: string; text: string } } = {},
  ) {
    super(`${title}: ${explanation}`);
    this.name = 'PageError';
  }
}

/** Errors of the Cronofy-compatible /v1 API, rendered in Cronofy's shapes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly options: { detail?: string; headers?: Record<string, string> } = {},
  ) {
    super(`API error ${status}`);
    this.name = 'ApiError';
  }
}
