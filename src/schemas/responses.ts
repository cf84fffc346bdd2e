// Responses the API reference describes but fastify never serializes: HTML pages, redirects, empty
// answers and error bodies (the error handler writes those). Routes put them under
// `schema.documentation.response`, so adding them here cannot change what a client receives.
import { Type } from '@sinclair/typebox';

/** The same schema with a description: what the document says about a response fastify does serialize. */
export const described = <T extends object>(schema: T, description: string): T => ({ ...schema, description });

/** A response with no body. */
export const noBody = (description: string) => Type.Null({ description });

/** A hosted HTML page. */
export const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } });

/** A 303 redirect; `location` says where to. */
export const redirect = (description: string, location: string) => ({
  ...noBody(description),
  headers: { location: Type.String({ description: location }) },
});

const wwwAuthenticate = (description: string) => ({ 'www-authenticate': Type.String({ description }) });

/** RFC 6749 5.2 error body, also used by RFC 7009 and RFC 7591. */
export const oauthError = (description: string) =>
  Type.Object(
    {
      error: Type.String({ description: 'The error code, e.g. `invalid_request` or `invalid_grant`.' }),
      error_description: Type.Optional(Type.String({ description: 'What went wrong, for the developer.' })),
    },
    { description },
  );

/** RFC 6750 errors of a bearer-protected endpoint. */
export const bearerError = (description: string) => ({
  ...oauthError(description),
  headers: wwwAuthenticate('`Bearer realm="calbroker"`, with `error` (and for 403 the needed `scope`) when a token was sent.'),
});

/** Cronofy's `{error, message}` body of the /v1 API. */
export const apiError = (description: string, extra: Record<string, ReturnType<typeof Type.String>> = {}) =>
  Type.Object(
    {
      error: Type.String({ description: 'The error code.' }),
      message: Type.String({ description: 'What went wrong, for the developer.' }),
      ...extra,
    },
    { description },
  );

/** Cronofy's 422 body: each field that was refused, with the reasons. */
export const validationErrors = (description: string) =>
  Type.Object(
    {
      errors: Type.Record(
        Type.String(),
        Type.Array(
          Type.Object({
            key: Type.String({ description: 'The reason, e.g. `errors.required` or `errors.read_only_calendar`.' }),
            description: Type.String({ description: 'The reason in words.' }),
          }),
        ),
        { description: 'Keyed by the name of the refused field.' },
      ),
    },
    { description },
  );

const retryAfter = { 'retry-after': Type.String({ description: 'Seconds to wait before retrying.' }) };

/** Errors every /v1 endpoint can answer. */
export const API_ERRORS = {
  401: bearerError('The access token is missing, malformed, expired or revoked (`invalid_token`).'),
  429: { ...apiError('The calendar provider is rate limiting this account (`rate_limited`).'), headers: retryAfter },
  503: { ...apiError('calbroker or the calendar provider is temporarily unavailable; retry later.'), headers: retryAfter },
};

/** The extra error of an endpoint that needs a scope. */
export const SCOPE_ERROR = { 403: bearerError('The access token lacks the scope this endpoint needs (`insufficient_scope`).') };

/** The extra error of an endpoint that reads or writes one profile's data. */
export const PROFILE_DISCONNECTED = {
  409: apiError('The profile must be connected again (`profile_disconnected`); `/v1/profiles` has its relink URL.', {
    profile_id: Type.String({ description: 'The disconnected profile.' }),
  }),
};
