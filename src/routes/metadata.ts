// GET /.well-known/oauth-authorization-server (RFC 8414) and GET /health.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CALENDAR_SCOPES } from '../../providers/index.js';
import { ServerMetadata } from '../schemas/oauth.js';
import { described } from '../schemas/responses.js';

const metadataSchema = {
  summary: 'Authorization server metadata',
  description: 'RFC 8414 discovery: the endpoints, scopes, grant types and authentication methods calbroker supports.',
  tags: ['OAuth'],
  response: { 200: described(ServerMetadata, 'The metadata; cacheable for an hour.') },
};

const Health = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]) });
const healthSchema = {
  summary: 'Health check',
  description: 'Answers 200 once the database and the state store answer, otherwise 503.',
  tags: ['Operations'],
  response: { 200: described(Health, 'Ready: `{"status": "ok"}`.'), 503: described(Health, 'Not ready: `{"status": "unavailable"}`.') },
};

export async function metadataRoutes(app: FastifyInstance, options: { publicUrl: string }) {
  const issuer = options.publicUrl;
  const metadata: ServerMetadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/token/revoke`,
    registration_endpoint: `${issuer}/oauth/register`,
    scopes_supported: [...CALENDAR_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    // "none": public clients (PKCE required, rotating refresh tokens).
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
  app.get('/.well-known/oauth-authorization-server', { schema: metadataSchema }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').send(metadata),
  );

  app.get('/health', { schema: healthSchema }, async (request, reply) => {
    try {
      await Promise.all([app.database.ping(), app.stateStore.ping()]);
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
