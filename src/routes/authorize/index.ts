// GET /oauth/authorize shows the consent page; POST /oauth/authorize takes the user's choice
// and sends them to the chosen upstream provider.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessDenied, InvalidRequest, PageError } from '../../errors.js';
import { ensureBrowserBinding, readBrowserBinding } from '../../http/browser-binding.js';
import { sendPage } from '../../http/html.js';
import { AUTHORIZE_PER_ADDRESS } from '../../http/rate-limit.js';
import { randomSecret, sameSecret } from '../../crypto/tokens.js';
import { readParams } from '../../oauth/parameters.js';
import { pendingAuthorizations, upstreamAttempts } from '../../oauth/flow-state.js';
import { findApp } from '../../storage/apps.js';
import { connectCallbackUrl } from '../connect.js';
import { AuthorizeQuery, ConsentForm } from '../../schemas/requests.js';
import { htmlPage, redirect } from '../../schemas/responses.js';
import { consentPage } from './consent-page.js';
import { validateAuthorizeRequest } from './validate.js';

export interface AuthorizeRouteOptions {
  publicUrl: string;
  secureCookies: boolean;
}

const expired = () =>
  new PageError(400, 'This page has expired', 'The authorization request is no longer valid. Please go back to the application and start again.');

// The parameters are read by validateAuthorizeRequest, not validated by fastify: an error may only go
// back to the app once client_id and redirect_uri are known to be good (RFC 6749 4.1.2.1).
const authorizeSchema = {
  summary: 'Start an authorization',
  description:
    "Where the app sends the user's browser, with Cronofy's authorize parameters and optional PKCE (S256). Shows the consent page. " +
    'After the provider sign-in, calbroker redirects to the redirect_uri with `code`, `state` and `iss`, or with `error`, ' +
    '`error_description`, `state` and `iss`. An unknown client or an unregistered redirect_uri gets an error page, never a redirect.',
  tags: ['OAuth'],
  documentation: {
    querystring: AuthorizeQuery,
    response: {
      200: htmlPage('The consent page.'),
      303: redirect('An error the app must hear of, e.g. `invalid_scope`.', 'The redirect_uri with `error`, `error_description`, `state` and `iss`.'),
      400: htmlPage('An error page: the client or the redirect_uri is not valid.'),
      429: htmlPage('Too many authorization requests from this address.'),
    },
  },
};

const consentSchema = {
  summary: 'Submit the consent page',
  description: "The consent page's form: sends the user to the chosen provider's sign-in, or back to the app with `access_denied`.",
  tags: ['OAuth'],
  documentation: {
    body: ConsentForm,
    consumes: ['application/x-www-form-urlencoded'],
    response: {
      303: redirect("To the provider's sign-in, or back to the app with an error.", "The provider's sign-in page, or the app's redirect_uri."),
      400: htmlPage('The page expired or was already used.'),
      403: htmlPage('The form was not submitted from the page calbroker showed in this browser.'),
    },
  },
};

export async function authorizeRoutes(app: FastifyInstance, options: AuthorizeRouteOptions) {
  const binding = { secure: options.secureCookies };

  app.get('/oauth/authorize', { config: { errorStyle: 'authorize' }, schema: authorizeSchema }, async (request: FastifyRequest, reply: FastifyReply) => {
    await app.rateLimiter.hit(AUTHORIZE_PER_ADDRESS, request.ip);
    const { client, authorization } = await validateAuthorizeRequest(app, request);
    const pending = { ...authorization, csrfToken: randomSecret(), browser: ensureBrowserBinding(request, reply, binding) };
    const authorizationId = randomSecret();
    await pendingAuthorizations.put(app.stateStore, authorizationId, pending);
    const providers = [...app.providers.values()].filter((p) => !pending.providerName || p.name === pending.providerName);
    const page = consentPage({ client, authorizationId, authorization: pending, providers });
    return sendPage(reply, 200, `Connect ${client.name}`, page, providers.map((p) => p.signInOrigin));
  });

  app.post('/oauth/authorize', { config: { errorStyle: 'authorize' }, schema: consentSchema }, async (request, reply) => {
    const form = readParams(request.body, ['authorization_id', 'csrf_token', 'provider', 'decision']);
    if (!form.authorization_id) throw expired();
    const pending = await pendingAuthorizations.get(app.stateStore, form.authorization_id);
    if (!pending) throw expired();
    const browser = readBrowserBinding(request, binding);
    if (!browser || browser !== pending.browser || !form.csrf_token || !sameSecret(form.csrf_token, pending.csrfToken)) {
      throw new PageError(403, 'Request refused', 'This form was not submitted from the page calbroker showed you. Please go back to the application and start again.');
    }
    // Single use: a double submit or a replay finds nothing.
    if (!(await pendingAuthorizations.take(app.stateStore, form.authorization_id))) throw expired();
    request.authorizationRedirect = { redirectUri: pending.redirectUri, state: pending.state };
    // The app may have been deleted while the page was open.
    if (!(await findApp(app.db, pending.clientId))) throw expired();

    if (form.decision === 'deny') throw new AccessDenied('The user declined to connect a calendar');
    const providerName = form.provider ?? '';
    const provider = app.providers.get(providerName);
    if (!provider || (pending.providerName && pending.providerName !== providerName)) {
      throw new InvalidRequest('No valid calendar provider was chosen');
    }

    const { csrfToken: _csrf, ...authorization } = pending;
    const state = randomSecret();
    const start = await provider.oauth.startAuthorization({
      state,
      redirectUri: connectCallbackUrl(options.publicUrl, provider.name),
      scopes: pending.scope,
    });
    await upstreamAttempts.put(app.stateStore, state, { authorization, providerName, pending: start.pending });
    return reply.redirect(start.url.href, 303);
  });
}
