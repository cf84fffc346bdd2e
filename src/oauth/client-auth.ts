// Client authentication at the token and revocation endpoints: client_secret_basic or client_secret_post.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../storage/database.js';
import { findApp, isPublicClient } from '../storage/apps.js';
import type { App } from '../storage/schema.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import { hashSecret, secretMatches } from '../crypto/tokens.js';
import { FAILED_AUTH_PER_ADDRESS, FAILED_AUTH_PER_CLIENT, type RateLimiter } from '../http/rate-limit.js';
import type { Params } from './parameters.js';

// Compared against when the client is unknown, so that case costs the same as a wrong secret.
const UNKNOWN_CLIENT_HASH = hashSecret('calbroker-unknown-client');

/** RFC 6749 2.3.1: Basic credentials are form-encoded before being joined with ':'. Undefined when malformed. */
function decodeBasic(header: string): { clientId: string; clientSecret: string } | undefined {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: unform(decoded.slice(0, colon)), clientSecret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** The client_id a request claims (Basic or body), before anything is verified. */
function claimedClientId(request: FastifyRequest, params: Params): string | undefined {
  const header = request.headers.authorization ?? '';
  return /^basic /i.test(header) ? decodeBasic(header)?.clientId : params.client_id;
}

/** authenticateClient behind the failed-authentication limits, per claimed client and per address. */
export async function authenticateClientLimited(db: Database, limiter: RateLimiter, request: FastifyRequest, params: Params): Promise<App> {
  const clientId = claimedClientId(request, params);
  await limiter.check(FAILED_AUTH_PER_ADDRESS, request.ip);
  if (clientId) await limiter.check(FAILED_AUTH_PER_CLIENT, clientId);
  try {
    return await authenticateClient(db, request, params);
  } catch (error) {
    if (error instanceof InvalidClient) {
      await limiter.record(FAILED_AUTH_PER_ADDRESS, request.ip);
      if (clientId) await limiter.record(FAILED_AUTH_PER_CLIENT, clientId);
    }
    throw error;
  }
}

/**
 * Confidential clients prove a secret (the current one or the one before the last rotation);
 * public clients (token_endpoint_auth_method "none") name themselves and rely on PKCE.
 */
export async function authenticateClient(db: Database, request: FastifyRequest, params: Params): Promise<App> {
  // A secret in a URL ends up in logs and browser history (RFC 6749 2.3.1 forbids it).
  if ((request.query as Record<string, unknown> | undefined)?.client_secret !== undefined) {
    throw new InvalidRequest('Client secrets must not be sent in the query string');
  }
  const header = request.headers.authorization ?? '';
  // The cronofy SDK sends "Authorization: Bearer undefined" here: a Bearer header is not client authentication.
  const usedBasic = /^basic /i.test(header);
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  if (usedBasic) {
    if (params.client_secret) throw new InvalidRequest('Client credentials were sent both in the Authorization header and in the body');
    const credentials = decodeBasic(header);
    if (!credentials) throw new InvalidClient('Malformed Basic credentials', { usedBasic: true });
    ({ clientId, clientSecret } = credentials);
    if (params.client_id && params.client_id !== clientId) {
      throw new InvalidRequest('client_id in the body differs from the one in the Authorization header');
    }
  } else {
    clientId = params.client_id;
    clientSecret = params.client_secret;
  }
  if (!clientId) {
    throw new InvalidClient('Client authentication is required (client_secret_basic or client_secret_post)', { usedBasic });
  }

  const app = await findApp(db, clientId);
  if (!clientSecret) {
    if (app && isPublicClient(app)) return app;
    throw new InvalidClient('Client authentication is required (client_secret_basic or client_secret_post)', { usedBasic });
  }
  // Both comparisons always run, so timing tells nothing about which secret (if any) matched.
  const current = secretMatches(clientSecret, app?.secretHash ?? UNKNOWN_CLIENT_HASH);
  const previous = secretMatches(clientSecret, app?.previousSecretHash ?? UNKNOWN_CLIENT_HASH);
  if (!app || isPublicClient(app) || !(current || previous)) {
    throw new InvalidClient('Client authentication failed', { usedBasic, detail: app ? `wrong secret for ${clientId}` : 'unknown client' });
  }
  return app;
}
