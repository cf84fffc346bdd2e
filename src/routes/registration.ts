// POST /oauth/register: RFC 7591 dynamic client registration, optionally guarded by REGISTRATION_TOKEN.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BearerError } from '../errors.js';
import { registerApp } from '../oauth/registration.js';
import { ClientInformation, OAuthErrorBody } from '../schemas/oauth.js';
import { RegistrationRequest } from '../schemas/requests.js';
import { bearerError, described } from '../schemas/responses.js';
import { REGISTRATION_TOKEN, type SecurityRequirements } from '../plugins/openapi.js';
import { sameSecret } from '../crypto/tokens.js';

function checkRegistrationToken(request: FastifyRequest, expected: string): void {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  if (!match || !sameSecret(match[1]!, expected)) {
    throw new BearerError(401, match ? 'invalid_token' : undefined, 'Registration requires the operator registration token');
  }
}

const registrationSchema = {
  summary: 'Register an app',
  description:
    'RFC 7591 dynamic client registration. Answers 201 with the client_id and the client_secret, which is shown only this once. ' +
    'Errors are `invalid_redirect_uri` or `invalid_client_metadata`. When the operator set REGISTRATION_TOKEN, it is required as a bearer token.',
  tags: ['OAuth'],
  security: [{}, { [REGISTRATION_TOKEN]: [] }] as SecurityRequirements,
  response: { 201: described(ClientInformation, 'The registered app. Keep the client_secret: it is not shown again.'), '4xx': OAuthErrorBody },
  // Read by registerApp, not validated by fastify: errors must stay RFC 7591's.
  documentation: {
    body: RegistrationRequest,
    response: { 401: bearerError('The registration token is required and was missing or wrong.') },
  },
};

export async function registrationRoutes(app: FastifyInstance, options: { registrationToken: string | undefined }) {
  app.post('/oauth/register', { bodyLimit: 16 * 1024, config: { errorStyle: 'oauth' }, schema: registrationSchema }, async (request, reply) => {
    if (options.registrationToken) checkRegistrationToken(request, options.registrationToken);
    const registered = await registerApp(app.db, request.body);
    return reply.code(201).header('cache-control', 'no-store').send(registered);
  });
}
