// GET /{provider}/accounts/connect: the upstream provider sends the user back here. We check the
// state, let the adapter exchange the code, store the connection, and send the app its own code.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UpstreamError } from '../../providers/index.js';
import { randomSecret } from '../crypto/tokens.js';
import { AccessDenied, PageError, ServerError, TemporarilyUnavailable } from '../errors.js';
import { readBrowserBinding } from '../http/browser-binding.js';
import { withQuery } from '../http/urls.js';
import { authorizationCodes, upstreamAttempts } from '../oauth/flow-state.js';
import { readParams } from '../oauth/parameters.js';
import { formatScope } from '../oauth/scopes.js';
import { ConnectQuery } from '../schemas/requests.js';
import { htmlPage, redirect } from '../schemas/responses.js';
import { MissingRefreshTokenError, saveConnection } from '../storage/connections.js';

export interface ConnectRouteOptions {
  publicUrl: string;
  secureCookies: boolean;
  helpUrl: string | undefined;
}

export function connectCallbackUrl(publicUrl: string, providerName: string): string {
  return `${publicUrl}/${providerName}/accounts/connect`;
}

const startAgain = (explanation: string) =>
  new PageError(400, 'Please start again', `${explanation} Go back to the application and connect your calendar again.`);

function upstreamFailure(error: UpstreamError, displayName: string) {
  if (error.kind === 'access_denied') return new AccessDenied(`The user declined access at ${displayName}`);
  if (error.kind === 'unavailable' || error.kind === 'rate_limited') {
    return new TemporarilyUnavailable(`${displayName} could not be reached; please try again`, { detail: error.message });
  }
  return new ServerError(`${displayName} did not complete the sign-in`, { detail: error.message });
}

const connectSchema = {
  summary: 'Provider callback',
  description:
    "Where the provider (e.g. Google) sends the user back after sign-in. Register `PUBLIC_URL/{provider}/accounts/connect` as the redirect URI at the provider. " +
    "calbroker stores the connection and redirects to the app's redirect_uri with its own code.",
  tags: ['OAuth'],
  params: Type.Object({ provider: Type.String({ description: 'The provider name, e.g. `google`.' }) }),
  // Read by the handler and the provider adapter, not validated by fastify.
  documentation: {
    querystring: ConnectQuery,
    response: {
      303: redirect("Back to the app: `code`, `state` and `iss`, or an error.", "The app's redirect_uri."),
      400: htmlPage('The sign-in expired, was already used, or was started in another browser.'),
      404: htmlPage('No such provider.'),
    },
  },
};

export async function connectRoutes(app: FastifyInstance, options: ConnectRouteOptions) {
  app.get<{ Params: { provider: string } }>(
    '/:provider/accounts/connect',
    { config: { errorStyle: 'authorize' }, schema: connectSchema },
    async (request: FastifyRequest<{ Params: { provider: string } }>, reply) => {
      const provider = app.providers.get(request.params.provider);
      if (!provider) throw new PageError(404, 'Not found', 'There is no such calendar provider on this server.');
      const { state } = readParams(request.query, ['state']);
      if (!state) throw startAgain(`${provider.displayName} sent you back without the expected parameters.`);

      // Single use: a replayed callback finds nothing.
      const attempt = await upstreamAttempts.take(app.stateStore, state);
      if (!attempt || attempt.providerName !== provider.name) throw startAgain('This sign-in has expired or was already used.');
      if (readBrowserBinding(request, { secure: options.secureCookies }) !== attempt.authorization.browser) {
        throw startAgain('This sign-in was started in another browser.');
      }
      const authorization = attempt.authorization;
      request.authorizationRedirect = { redirectUri: authorization.redirectUri, state: authorization.state };

      const callbackBase = connectCallbackUrl(options.publicUrl, provider.name);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      let result;
      try {
        result = await provider.oauth.completeAuthorization({
          callbackUrl: new URL(callbackBase + query),
          state,
          pending: attempt.pending,
        });
      } catch (error) {
        if (error instanceof UpstreamError) throw upstreamFailure(error, provider.displayName);
        throw error;
      }

      // The user may have unticked permissions upstream: the app gets only what was granted.
      const scope = authorization.scope.filter((s) => result.grantedScopes.includes(s));
      if (scope.length === 0) throw new AccessDenied(`The requested calendar permissions were not granted at ${provider.displayName}`);

      const code = randomSecret();
      const storeCode = (connection: { accountId: string; profileId: string }) =>
        authorizationCodes.put(app.stateStore, code, {
          clientId: authorization.clientId,
          redirectUri: authorization.redirectUri,
          codeChallenge: authorization.codeChallenge,
          scope: formatScope(scope),
          accountId: connection.accountId,
          profileId: connection.profileId,
          expiresAt: Date.now() + authorizationCodes.ttlSeconds * 1000,
        });
      try {
        // The code is stored inside the transaction: account, profile, credential and code exist together or not at all.
        await saveConnection(app.db, app.keyring, { providerName: provider.name, identity: result.identity, tokens: result.tokens }, storeCode);
      } catch (error) {
        // The commit may have failed after the code was stored: make sure it cannot be redeemed.
        await authorizationCodes.take(app.stateStore, code).catch(() => {});
        if (!(error instanceof MissingRefreshTokenError)) throw error;
        throw new PageError(
          400,
          'Something went wrong',
          `Something went wrong; to fix this please disconnect ${provider.displayName} completely then retry. ${provider.displayName} did not give calbroker lasting access to your calendar, so it cannot stay connected.`,
          { detail: error.message, link: options.helpUrl ? { href: options.helpUrl, text: 'How to disconnect and retry' } : undefined },
        );
      }

      return reply.redirect(withQuery(authorization.redirectUri, { code, state: authorization.state, iss: options.publicUrl }), 303);
    },
  );
}
