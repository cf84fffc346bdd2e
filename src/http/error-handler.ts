// The one place errors become responses. A route says how its errors look through
// `config.errorStyle`; the error's own type says what it is.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, BearerError, OAuthError, PageError, ServerError, TemporarilyUnavailable } from '../errors.js';
import { UpstreamError } from '../../providers/index.js';
import { html, sendPage } from './html.js';
import { withQuery } from './urls.js';

export type ErrorStyle = 'oauth' | 'authorize' | 'page' | 'api';

declare module 'fastify' {
  interface FastifyContextConfig {
    errorStyle?: ErrorStyle;
  }
  interface FastifyRequest {
    /** Set by the authorize pipeline once client and redirect_uri are verified: errors may then go back to the app. */
    authorizationRedirect?: { redirectUri: string; state: string | undefined };
  }
}

/** Errors fastify itself raises (bad JSON, unsupported content type, body too large, schema validation). */
function asClientError(error: FastifyError): OAuthError | undefined {
  const status = error.statusCode ?? 500;
  if (error.validation || (status >= 400 && status < 500)) {
    return new OAuthError(status === 413 || status === 415 ? status : 400, 'invalid_request', error.message, true);
  }
  return undefined;
}

function upstreamAsOAuth(error: UpstreamError): OAuthError {
  return new TemporarilyUnavailable('The calendar provider could not be reached; please try again', { detail: error.message });
}

// Connection-level failures of PostgreSQL (postgres.js, PGlite) and Redis (ioredis): temporary by nature.
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P03']);
const OUTAGE_MESSAGES = /Connection is closed|Reached the max retries per request limit|Stream isn't writeable/;

/** Whether the error (or anything in its cause chain) is our database or state store being unreachable. */
function isOutage(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    if (OUTAGE_CODES.has(String(e.code)) || (typeof e.message === 'string' && OUTAGE_MESSAGES.test(e.message))) return true;
  }
  return false;
}

const OUTAGE_RETRY_AFTER = '5';

function outageError(style: ErrorStyle): ApiError | OAuthError {
  const headers = { 'retry-after': OUTAGE_RETRY_AFTER };
  if (style === 'api') return new ApiError(503, { error: 'service_unavailable', message: 'calbroker is temporarily unavailable; retry shortly' }, { headers });
  // Not redirectable: the app's state may not be known, and nothing happened that the app must learn of.
  return new OAuthError(503, 'temporarily_unavailable', 'calbroker is temporarily unavailable; please retry shortly', false, { headers });
}

/** Upstream trouble on /v1, in Cronofy's terms: 429 when throttled, otherwise a gateway error. */
function upstreamAsApi(error: UpstreamError): ApiError {
  if (error.kind === 'rate_limited') {
    const retryAfter = String(error.options.retryAfter ?? 30);
    return new ApiError(429, { error: 'rate_limited', message: 'The calendar provider is rate limiting this account; retry later' }, { detail: error.message, headers: { 'retry-after': retryAfter } });
  }
  if (error.kind === 'forbidden') {
    return new ApiError(403, { error: 'upstream_forbidden', message: 'The calendar provider refused this operation for this account' }, { detail: error.message });
  }
  if (error.kind === 'not_found') {
    return new ApiError(404, { error: 'not_found', message: 'The calendar provider no longer has this calendar or event' }, { detail: error.message });
  }
  const status = error.kind === 'unavailable' ? 503 : 502;
  return new ApiError(status, { error: 'upstream_error', message: 'The calendar provider could not complete the request; retry later' }, { detail: error.message });
}

function sendOAuthJson(reply: FastifyReply, error: OAuthError) {
  return reply
    .code(error.status)
    .headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...error.headers })
    .send({ error: error.code, error_description: error.description });
}

function sendApi(reply: FastifyReply, error: ApiError | OAuthError) {
  if (error instanceof ApiError) return reply.code(error.status).headers(error.options.headers ?? {}).send(error.body);
  // Bearer errors: RFC 6750 puts the detail in WWW-Authenticate; the body repeats it for humans.
  return reply.code(error.status).headers(error.headers).send({ error: error.code, error_description: error.description });
}

function sendErrorPage(reply: FastifyReply, error: PageError | OAuthError) {
  if (error instanceof PageError) {
    const link = error.options.link;
    return sendPage(
      reply,
      error.status,
      error.title,
      html`<h1>${error.title}</h1><p>${error.explanation}</p>${link ? html`<p><a href="${link.href}">${link.text}</a></p>` : ''}`,
    );
  }
  reply.headers(error.headers);
  return sendPage(reply, error.status, 'Authorization failed', html`<h1>Authorization failed</h1><p>${error.description}</p><p class="muted">Error: ${error.code}</p>`);
}

export const errorHandler = fp(
  async (app: FastifyInstance, options: { issuer: string }) => {
    app.setErrorHandler((raw: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
      const style = request.routeOptions.config?.errorStyle ?? 'oauth';
      let error: Error = raw;
      if (error instanceof UpstreamError) error = style === 'api' ? upstreamAsApi(error) : upstreamAsOAuth(error);
      else if (!(error instanceof OAuthError || error instanceof PageError || error instanceof ApiError) && isOutage(error)) error = outageError(style);
      if (!(error instanceof OAuthError || error instanceof PageError || error instanceof ApiError)) {
        error = asClientError(error as FastifyError) ?? error;
      }

      const known = error instanceof OAuthError || error instanceof PageError || error instanceof ApiError;
      const serverSide = !known || (error as unknown as { status: number }).status >= 500;
      // Internal details go to the log only; never tokens (the logger's redaction covers headers).
      const detail = (error as { detail?: string }).detail ?? (error as { options?: { detail?: string } }).options?.detail;
      // A summary, not the error object: driver errors can carry query parameters.
      const cause = serverSide ? { type: raw.name, message: raw.message, code: (raw as { code?: unknown }).code, stack: raw.stack } : undefined;
      request.log[serverSide ? 'error' : 'info']({ cause, detail, code: (error as OAuthError).code }, error.message);

      if (!known) error = new ServerError('Something went wrong on our side');

      if (style === 'authorize' && error instanceof OAuthError && error.redirectable && request.authorizationRedirect) {
        const { redirectUri, state } = request.authorizationRedirect;
        return reply.redirect(
          withQuery(redirectUri, { error: error.code, error_description: error.description, state, iss: options.issuer }),
          303,
        );
      }
      if (style === 'authorize' || style === 'page' || error instanceof PageError) return sendErrorPage(reply, error as PageError | OAuthError);
      if (style === 'api' || error instanceof ApiError || error instanceof BearerError) return sendApi(reply, error as ApiError | OAuthError);
      return sendOAuthJson(reply, error as OAuthError);
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ error: 'not_found', error_description: `No route for ${request.method} ${request.url.split('?')[0]}` });
    });
  },
  { name: 'calbroker-error-handler' },
);
