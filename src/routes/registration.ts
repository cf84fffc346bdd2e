// POST /oauth/register: RFC 7591 dynamic client registration, optionally guarded by REGISTRATION_TOKEN.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BearerError } from '../errors.js';
import { registerApp } from '../oauth/registration.js';
import { ClientInformation, OAuthErrorBody } from '../schemas/oauth.js';
import { sameSecret } from '../crypto/tokens.js';

function checkRegistrationToken(request: FastifyRequest, expected: string): void {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  if (!match || !sameSecret(match[1]!, expected)) {
    throw new BearerError(401, match ? 'invalid_token' : undefined, 'Registration requires the operator registration token');
  }
}

export async function registrationRoutes(app: FastifyInstance, options: { registrationToken: string | undefined }) {
  app.post('/oauth/register', { bodyLimit: 16 * 1024, config: { errorStyle: 'oauth' }, schema: { response: { 201: ClientInformation, '4xx': OAuthErrorBody } } }, async (request, reply) => {
    if (options.registrationToken) checkRegistrationToken(request, options.registrationToken);
    const registered = await registerApp(app.db, request.body);
    return reply.code(201).header('cache-control', 'no-store').send(registered);
  });
}
