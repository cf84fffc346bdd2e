// POST /oauth/token and POST /oauth/token/revoke. Both accept form (RFC 6749) and JSON (the cronofy SDK) bodies.
import type { FastifyInstance } from 'fastify';
import { InvalidGrant, InvalidRequest, UnsupportedGrantType } from '../../errors.js';
import { OAuthErrorBody, TokenResponse } from '../../schemas/oauth.js';
import { RevokeRequest, TokenRequest } from '../../schemas/requests.js';
import { described, noBody, oauthError } from '../../schemas/responses.js';
import { BASIC, type SecurityRequirements } from '../../plugins/openapi.js';
import { authenticateClientLimited } from '../../oauth/client-auth.js';
import { INVALID_GRANTS_PER_CLIENT } from '../../http/rate-limit.js';
import { readParams } from '../../oauth/parameters.js';
import { revokeToken } from '../../storage/grants.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { refreshTokenGrant } from './grants/refresh-token.js';

const GRANTS = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
} as const;

const TOKEN_PARAMS = ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope'] as const;
const REVOKE_PARAMS = ['client_id', 'client_secret', 'token', 'token_type_hint', 'refresh_token'] as const;

function requireObjectBody(body: unknown): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequest('The request body must be application/x-www-form-urlencoded or a JSON object');
  }
}

// RFC 6749 bodies are small; anything larger is refused before parsing (413).
const BODY_LIMIT = 16 * 1024;

// The bodies are read by readParams, not validated by fastify: errors must stay RFC 6749's.
const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'];
const CLIENT_AUTH: SecurityRequirements = [{ [BASIC]: [] }, {}];
const CLIENT_ERRORS = {
  401: oauthError('Client authentication failed (`invalid_client`). Sent with `WWW-Authenticate: Basic` when Basic was used.'),
  413: oauthError('The body is larger than 16 KiB.'),
  429: oauthError('Too many failed attempts for this client or address; retry later.'),
};

const tokenSchema = {
  summary: 'Get an access token',
  description:
    'Redeems an authorization code, or refreshes an access token. Access tokens live an hour. The refresh token stays the same ' +
    'across refreshes unless the app rotates refresh tokens. Form (RFC 6749) or JSON (the cronofy SDK) bodies.',
  tags: ['OAuth'],
  security: CLIENT_AUTH,
  response: { 200: described(TokenResponse, 'The tokens, with Cronofy\'s account_id, sub and linking_profile.'), '4xx': OAuthErrorBody },
  documentation: {
    body: TokenRequest,
    consumes: FORM_OR_JSON,
    response: { ...CLIENT_ERRORS, 400: oauthError('`invalid_request`, `invalid_grant`, `invalid_scope`, `unauthorized_client` or `unsupported_grant_type`.') },
  },
};

const revokeSchema = {
  summary: 'Revoke a token',
  description: 'RFC 7009. Revoking a refresh token ends every access token of its grant. Unknown tokens, and tokens of other apps, also answer 200.',
  tags: ['OAuth'],
  security: CLIENT_AUTH,
  documentation: {
    body: RevokeRequest,
    consumes: FORM_OR_JSON,
    response: { 200: noBody('Revoked, or there was nothing to revoke.'), ...CLIENT_ERRORS, 400: oauthError('`invalid_request`: no token was sent.') },
  },
};

export async function tokenRoutes(app: FastifyInstance) {
  // Only POST is defined (RFC 6749 3.2): other methods get 405 with Allow, never a 404 or a 500.
  for (const url of ['/oauth/token', '/oauth/token/revoke']) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE'],
      url,
      config: { errorStyle: 'oauth' },
      schema: { hide: true },
      handler: async (_request, reply) =>
        reply.code(405).header('allow', 'POST').header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: 'Use POST' }),
    });
  }

  app.post('/oauth/token', { bodyLimit: BODY_LIMIT, config: { errorStyle: 'oauth' }, schema: tokenSchema }, async (request, reply) => {
    requireObjectBody(request.body);
    const params = readParams(request.body, TOKEN_PARAMS);
    const client = await authenticateClientLimited(app.db, app.rateLimiter, request, params);
    if (!params.grant_type) throw new InvalidRequest('grant_type is required');
    const grant = Object.hasOwn(GRANTS, params.grant_type) ? GRANTS[params.grant_type as keyof typeof GRANTS] : undefined;
    if (!grant) {
      throw new UnsupportedGrantType(`grant_type ${params.grant_type} is not supported`);
    }
    await app.rateLimiter.check(INVALID_GRANTS_PER_CLIENT, client.id);
    let body;
    try {
      body = await grant(app, client, params);
    } catch (error) {
      if (error instanceof InvalidGrant) await app.rateLimiter.record(INVALID_GRANTS_PER_CLIENT, client.id);
      throw error;
    }
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
  });

  app.post('/oauth/token/revoke', { bodyLimit: BODY_LIMIT, config: { errorStyle: 'oauth' }, schema: revokeSchema }, async (request, reply) => {
    requireObjectBody(request.body);
    const params = readParams(request.body, REVOKE_PARAMS);
    const client = await authenticateClientLimited(app.db, app.rateLimiter, request, params);
    // The cronofy SDK's revokeAuthorization() sends refresh_token rather than token.
    const token = params.token ?? params.refresh_token;
    if (!token) throw new InvalidRequest('token is required');
    // RFC 7009 2.2: unknown or foreign tokens also answer 200, so the endpoint reveals nothing.
    await revokeToken(app.db, client.id, token);
    return reply.code(200).header('cache-control', 'no-store').send();
  });
}
