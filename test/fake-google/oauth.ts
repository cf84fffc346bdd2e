// OAuth 2.0 / OpenID Connect endpoints: discovery, JWKS, authorize, token, userinfo, revoke.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SignJWT, type CryptoKey, type JWK } from 'jose';
import {
  bodyOf,
  escapeHtml,
  queryOf,
  randomToken,
  type AuthCode,
  type FakeState,
  type FakeUser,
  type Grant,
} from './state.js';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email';
const PROFILE_SCOPE = 'https://www.googleapis.com/auth/userinfo.profile';
const CODE_TTL_MS = 10 * 60 * 1000;
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Google reports the short OIDC scopes under their long userinfo.* names. */
function normaliseScopes(scope: string): string[] {
  const out = new Set<string>();
  for (const s of scope.split(/\s+/).filter(Boolean)) {
    out.add(s === 'email' ? EMAIL_SCOPE : s === 'profile' ? PROFILE_SCOPE : s);
  }
  return [...out];
}

const hasEmail = (scopes: string[]) => scopes.includes(EMAIL_SCOPE) || scopes.includes('email');
const hasProfile = (scopes: string[]) => scopes.includes(PROFILE_SCOPE) || scopes.includes('profile');

/** Profile/email claims, included only for the scopes that were granted (as Google does). */
function userClaims(user: FakeUser | undefined, scopes: string[], forIdToken: boolean): Record<string, unknown> {
  if (!user) return {};
  const claims: Record<string, unknown> = {};
  if (hasEmail(scopes)) Object.assign(claims, { email: user.email, email_verified: true });
  if (hasProfile(scopes)) {
    const [given, ...rest] = user.name.split(' ');
    Object.assign(claims, {
      name: user.name,
      picture: 'https://lh3.googleusercontent.com/a/default-user=s96-c',
      given_name: given ?? user.name,
      ...(rest.length ? { family_name: rest.join(' ') } : {}),
      ...(forIdToken ? {} : { locale: 'en' }),
    });
  }
  return claims;
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Google's authorize endpoint renders an HTML error page (no redirect) for malformed requests. */
// The HTTP status is always 400; the page text carries Google's own error number (401 for invalid_client).
function authErrorPage(reply: FastifyReply, error: string, detail: string, shownCode = 400) {
  return reply
    .code(400)
    .type('text/html; charset=utf-8')
    .send(
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error 400 (OAuth2 Error)</title></head>` +
        `<body><h1>Access blocked: Authorization Error</h1><p>Error ${shownCode}: ${escapeHtml(error)}</p>` +
        `<p>${escapeHtml(detail)}</p></body></html>`,
    );
}

function oauthError(reply: FastifyReply, status: number, error: string, description?: string) {
  return reply.code(status).send(description === undefined ? { error } : { error, error_description: description });
}

/** `origin` is read lazily: routes must be registered before listen(), when the port is not yet known. */
export function registerOAuthRoutes(app: FastifyInstance, state: FakeState, key: SigningKey, origin: () => string) {
  async function signIdToken(grant: Grant, accessToken: string, nonce?: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const issuer = origin();
    // at_hash: left half of SHA-256 over the access token, base64url (OIDC core 3.1.3.6).
    const atHash = createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
    const { email, email_verified, ...profile } = userClaims(state.users.get(grant.sub), grant.scopes, true);
    return new SignJWT({
      iss: issuer,
      azp: grant.clientId,
      aud: grant.clientId,
      sub: grant.sub,
      ...(email !== undefined ? { email, email_verified } : {}),
      at_hash: atHash,
      ...(nonce !== undefined ? { nonce } : {}),
      ...profile,
      iat: now,
      exp: now + 3600,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  app.get('/.well-known/openid-configuration', async () => {
    const issuer = origin();
    return {
      issuer,
      authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/v1/userinfo`,
      revocation_endpoint: `${issuer}/revoke`,
      jwks_uri: `${issuer}/oauth2/v3/certs`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
    };
  });

  app.get('/oauth2/v3/certs', async () => ({
    keys: [{ ...key.publicJwk, alg: 'RS256', kid: key.kid, use: 'sig' }],
  }));

  // The user "consents" instantly according to the queued ConsentBehaviour.
  app.get('/o/oauth2/v2/auth', async (req, reply) => {
    const q = queryOf(req);
    if (q.client_id !== state.clientId) return authErrorPage(reply, 'invalid_client', 'The OAuth client was not found.', 401);
    if (!q.redirect_uri) return authErrorPage(reply, 'invalid_request', 'Missing required parameter: redirect_uri');
    let redirect: URL;
    try {
      redirect = new URL(q.redirect_uri);
      if (redirect.protocol !== 'http:' && redirect.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return authErrorPage(reply, 'redirect_uri_mismatch', `Invalid redirect_uri: ${q.redirect_uri}`);
    }
    if (!q.response_type) return authErrorPage(reply, 'invalid_request', 'Missing required parameter: response_type');
    if (q.response_type !== 'code') return authErrorPage(reply, 'unsupported_response_type', `Invalid response_type: ${q.response_type}`);
    if (!q.scope) return authErrorPage(reply, 'invalid_request', 'Missing required parameter: scope');
    const requested = q.scope.split(/\s+/);
    if (!requested.includes('openid')) return authErrorPage(reply, 'invalid_scope', 'fake-google requires the openid scope');

    // PKCE: Google defaults the method to "plain" when only a challenge is sent.
    let method: 'plain' | 'S256' | undefined;
    if (q.code_challenge !== undefined) {
      const m = q.code_challenge_method ?? 'plain';
      if (m !== 'plain' && m !== 'S256') return authErrorPage(reply, 'invalid_request', `Invalid code_challenge_method: ${m}`);
      if (!PKCE_VERIFIER.test(q.code_challenge)) return authErrorPage(reply, 'invalid_request', 'Invalid code_challenge.');
      method = m;
    } else if (q.code_challenge_method !== undefined) {
      return authErrorPage(reply, 'invalid_request', 'Missing code_challenge.');
    }

    const behaviour = state.consentQueue.shift() ?? {};
    const user = behaviour.sub !== undefined ? state.users.get(behaviour.sub) : state.users.values().next().value;
    if (!user) {
      return reply.code(500).type('text/plain; charset=utf-8').send(`fake-google: no user to consent (sub=${behaviour.sub ?? '<first user>'})`);
    }
    const withState = (params: Record<string, string>) => {
      if (q.state !== undefined) redirect.searchParams.set('state', q.state);
      for (const [k, v] of Object.entries(params)) redirect.searchParams.set(k, v);
      return reply.redirect(redirect.href, 302);
    };
    if (behaviour.deny) return withState({ error: 'access_denied' });

    const scopes = behaviour.grantedScopes ?? normaliseScopes(q.scope);
    const code = `4/0${randomToken(32)}`;
    const entry: AuthCode = {
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      sub: user.sub,
      scopes,
      omitRefreshToken: behaviour.omitRefreshToken ?? false,
      used: false,
      expiresAt: Date.now() + CODE_TTL_MS,
    };
    if (q.code_challenge !== undefined) entry.codeChallenge = q.code_challenge;
    if (method) entry.codeChallengeMethod = method;
    if (q.nonce !== undefined) entry.nonce = q.nonce;
    if (q.access_type !== undefined) entry.accessType = q.access_type;
    if (q.prompt !== undefined) entry.prompt = q.prompt;
    state.codes.set(code, entry);
    // Google also appends authuser and prompt to the callback.
    return withState({ code, scope: scopes.join(' '), authuser: '0', prompt: 'consent' });
  });

  app.post('/token', async (req, reply) => {
    const body = bodyOf(req);
    if (!body.grant_type) return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: grant_type');
    if (body.grant_type !== 'authorization_code' && body.grant_type !== 'refresh_token') {
      return oauthError(reply, 400, 'unsupported_grant_type', `Invalid grant_type: ${body.grant_type}`);
    }

    // Client authentication: client_secret_basic (credentials form-urlencoded, RFC 6749 2.3.1) or _post.
    let clientId = body.client_id;
    let clientSecret = body.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      clientId = dec(colon < 0 ? decoded : decoded.slice(0, colon));
      clientSecret = colon < 0 ? undefined : dec(decoded.slice(colon + 1));
      if (body.client_id !== undefined && body.client_id !== clientId) return oauthError(reply, 401, 'invalid_client', 'Unauthorized');
    }
    if (!clientId) return oauthError(reply, 400, 'invalid_request', 'Could not determine client ID from request.');
    if (clientId !== state.clientId) return oauthError(reply, 401, 'invalid_client', 'Unauthorized');
    if (!clientSecret) return oauthError(reply, 400, 'invalid_request', 'client_secret is missing.');
    if (!safeEqual(clientSecret, state.clientSecret)) return oauthError(reply, 401, 'invalid_client', 'Unauthorized');

    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: refresh_token');
      const grant = state.refreshTokens.get(body.refresh_token);
      if (!grant || grant.revoked || grant.refreshRevoked || grant.clientId !== clientId) {
        return oauthError(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');
      }
      // Google does not rotate refresh tokens: the response carries no refresh_token.
      const accessToken = state.issueAccessToken(grant);
      return {
        access_token: accessToken,
        expires_in: state.accessTokenTtl,
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
        ...(grant.scopes.includes('openid') ? { id_token: await signIdToken(grant, accessToken) } : {}),
      };
    }

    if (!body.code) return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: code');
    if (!body.redirect_uri) return oauthError(reply, 400, 'invalid_request', 'Missing parameter: redirect_uri');
    const code = state.codes.get(body.code);
    const badGrant = () => oauthError(reply, 400, 'invalid_grant', 'Bad Request');
    if (!code || code.used || Date.now() >= code.expiresAt || code.clientId !== clientId || code.redirectUri !== body.redirect_uri) {
      return badGrant();
    }
    if (code.codeChallenge !== undefined) {
      const verifier = body.code_verifier;
      if (!verifier || !PKCE_VERIFIER.test(verifier)) return badGrant();
      const expected = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!safeEqual(expected, code.codeChallenge)) return badGrant();
    } else if (body.code_verifier !== undefined) {
      // Google rejects a verifier when the authorization request carried no challenge.
      return oauthError(reply, 400, 'invalid_request', 'code_verifier or verifier is not needed.');
    }
    code.used = true; // only a successful exchange consumes the code

    const grant: Grant = { clientId, sub: code.sub, scopes: code.scopes, refreshRevoked: false, revoked: false };
    if (!code.omitRefreshToken) {
      grant.refreshToken = `1//0${randomToken(64)}`;
      state.refreshTokens.set(grant.refreshToken, grant);
    }
    state.grants.push(grant);
    const accessToken = state.issueAccessToken(grant);
    return {
      access_token: accessToken,
      expires_in: state.accessTokenTtl,
      ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
      ...(grant.scopes.includes('openid') ? { id_token: await signIdToken(grant, accessToken, code.nonce) } : {}),
    };
  });

  app.get('/v1/userinfo', async (req, reply) => {
    const token = state.accessTokenFrom(req);
    if (!token) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .send({ error: 'invalid_token', error_description: 'Invalid Credentials' });
    }
    const { grant } = token;
    return { sub: grant.sub, ...userClaims(state.users.get(grant.sub), grant.scopes, false) };
  });

  // Revoking either token of a grant kills the whole grant (refresh token and its access tokens).
  app.post('/revoke', async (req, reply) => {
    const token = queryOf(req).token ?? bodyOf(req).token;
    if (!token) return oauthError(reply, 400, 'invalid_request', 'Bad Request');
    const access = state.accessTokens.get(token);
    const grant = access?.grant ?? state.refreshTokens.get(token);
    const live = access ? !access.forcedExpired && Date.now() < access.expiresAt : grant?.refreshRevoked === false;
    if (!grant || grant.revoked || !live) return oauthError(reply, 400, 'invalid_token', 'Token expired or revoked');
    grant.revoked = true;
    return {};
  });
}
