// The authorize request, checked in RFC 6749 order: first what decides whether we may redirect
// at all (client, redirect_uri), then everything else, whose errors go back to the app.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequest, PageError, ServerError, UnsupportedResponseType } from '../../errors.js';
import { readParams, repeated } from '../../oauth/parameters.js';
import { parseScope } from '../../oauth/scopes.js';
import { findApp } from '../../storage/apps.js';
import type { App } from '../../storage/schema.js';
import type { PendingAuthorization } from '../../oauth/flow-state.js';

const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'provider_name', 'code_challenge', 'code_challenge_method'] as const;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function badRequestPage(explanation: string): PageError {
  return new PageError(400, 'This link is not valid', `${explanation} Please go back to the application and try again, or contact its developer.`);
}

/** Client and redirect_uri: failures here are shown to the user, never redirected (RFC 6749 4.1.2.1). */
async function checkClient(app: FastifyInstance, query: unknown): Promise<{ client: App; redirectUri: string }> {
  if (repeated(query, 'client_id') || repeated(query, 'redirect_uri')) {
    throw badRequestPage('The client_id or redirect_uri parameter was given more than once.');
  }
  const { client_id: clientId, redirect_uri: redirectUri } = readParams(query, ['client_id', 'redirect_uri']);
  if (!clientId) throw badRequestPage('The request has no client_id.');
  const client = await findApp(app.db, clientId);
  if (!client) throw badRequestPage('The application making this request is not registered with calbroker.');
  if (!redirectUri) throw badRequestPage('The request has no redirect_uri.');
  // Exact string comparison, no normalisation (RFC 9700 2.1).
  if (!client.redirectUris.includes(redirectUri)) {
    throw badRequestPage('The redirect_uri is not one the application registered.');
  }
  return { client, redirectUri };
}

export async function validateAuthorizeRequest(
  app: FastifyInstance,
  request: FastifyRequest,
): Promise<{ client: App; authorization: Omit<PendingAuthorization, 'csrfToken' | 'browser'> }> {
  const { client, redirectUri } = await checkClient(app, request.query);
  const state = repeated(request.query, 'state') ? undefined : readParams(request.query, ['state']).state;
  // From here on, errors go back to the app.
  request.authorizationRedirect = { redirectUri, state };

  const params = readParams(request.query, PARAMS);
  if (!params.response_type) throw new InvalidRequest('response_type is required');
  if (params.response_type !== 'code') throw new UnsupportedResponseType('Only response_type=code is supported');
  const scope = parseScope(params.scope);

  const method = params.code_challenge_method;
  const challenge = params.code_challenge;
  if (method && !challenge) throw new InvalidRequest('code_challenge_method was sent without code_challenge');
  if (!challenge && client.tokenEndpointAuthMethod === 'none') {
    throw new InvalidRequest('Public clients must use PKCE: send code_challenge with code_challenge_method=S256');
  }
  if (challenge) {
    if ((method ?? 'plain') !== 'S256') throw new InvalidRequest('Only code_challenge_method=S256 is supported');
    if (!PKCE_CHALLENGE.test(challenge)) throw new InvalidRequest('code_challenge must be the base64url SHA-256 of the code verifier (43 characters)');
  }

  if (app.providers.size === 0) throw new ServerError('No calendar provider is configured on this calbroker server');
  const providerName = params.provider_name;
  if (providerName && !app.providers.has(providerName)) {
    throw new InvalidRequest(`Unknown provider_name "${providerName}"; available: ${[...app.providers.keys()].join(', ')}`);
  }

  return {
    client,
    authorization: { clientId: client.id, redirectUri, state, scope, codeChallenge: challenge, providerName },
  };
}
