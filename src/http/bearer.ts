// RFC 6750 bearer authentication for /v1. A route names the scope it needs in `config.scope`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CalendarScope } from '../../providers/index.js';
import { BearerError, insufficientScope, invalidToken } from '../errors.js';
import { scopeAllows } from '../oauth/scopes.js';
import { findAccessToken, type AccessTokenGrant } from '../storage/grants.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: CalendarScope;
  }
  interface FastifyRequest {
    bearer: AccessTokenGrant;
  }
}

function presentedToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const inQuery = (request.query as Record<string, unknown> | undefined)?.access_token !== undefined;
  if (header && inQuery) throw new BearerError(400, 'invalid_request', 'Send the access token in one place only');
  if (inQuery) throw new BearerError(400, 'invalid_request', 'Send the access token in the Authorization header, not the query');
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header ?? '');
  if (!header) throw new BearerError(401, undefined, 'Authentication required');
  if (!match) throw invalidToken('The Authorization header must be "Bearer <access token>"');
  return match[1]!;
}

/** Registers the bearer check on every route of the (encapsulated) instance it is called on. */
export function requireBearer(app: FastifyInstance): void {
  app.decorateRequest('bearer', null as unknown as AccessTokenGrant);
  app.addHook('onRequest', async (request) => {
    const token = presentedToken(request);
    const found = await findAccessToken(app.db, token);
    if (!found) throw invalidToken();
    const needed = request.routeOptions.config.scope;
    if (needed && !scopeAllows(found.scope, needed)) throw insufficientScope(needed);
    request.bearer = found;
  });
}
