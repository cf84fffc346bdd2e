// Request parameters as the API reference describes them. The routes read these themselves, to answer
// with RFC 6749 errors or Cronofy's 422s, so these schemas never validate anything: routes put them under
// `schema.documentation` (see src/plugins/openapi.ts), which only the OpenAPI document reads.
import { Type, type TSchema } from '@sinclair/typebox';
import { CALENDAR_SCOPES } from '../../providers/index.js';

/** A string from a fixed list, shown as an `enum` (TypeBox's literal unions become `anyOf` lists). */
const oneOf = (values: readonly string[], description: string) => Type.Unsafe<string>({ type: 'string', enum: [...values], description });
const text = (description: string) => Type.String({ description });
const optional = <T extends TSchema>(schema: T) => Type.Optional(schema);

const SCOPE_LIST = `a space-separated list of ${CALENDAR_SCOPES.join(', ')}`;

export const AuthorizeQuery = Type.Object({
  response_type: oneOf(['code'], 'Always `code`.'),
  client_id: text('The client_id the app was registered with.'),
  redirect_uri: text('One of the redirect URIs the app registered, byte for byte.'),
  scope: text(`The permissions the app asks for: ${SCOPE_LIST}.`),
  state: optional(text('Returned unchanged with the code or the error. Use it to tie the answer to the request.')),
  provider_name: optional(text('Skip the choice of provider and go straight to this one, e.g. `google`.')),
  code_challenge: optional(text('PKCE: the base64url SHA-256 of the code verifier (43 characters). Required for public clients.')),
  code_challenge_method: optional(oneOf(['S256'], 'PKCE: always `S256` when code_challenge is sent.')),
});

export const ConsentForm = Type.Object({
  authorization_id: text('The hidden field from the consent page.'),
  csrf_token: text('The hidden field from the consent page; it must match the cookie set with the page.'),
  provider: optional(text('The provider the user chose, e.g. `google`.')),
  decision: optional(oneOf(['deny'], '`deny` when the user cancelled.')),
});

export const ConnectQuery = Type.Object({
  state: text('The state calbroker sent to the provider.'),
  code: optional(text("The provider's authorization code.")),
  error: optional(text('Set by the provider when the user declined or the sign-in failed.')),
});

const CLIENT_CREDENTIALS = {
  client_id: optional(text('The app\'s client_id, when not sent with HTTP Basic (client_secret_post, and public clients).')),
  client_secret: optional(text('The app\'s client_secret, when not sent with HTTP Basic (client_secret_post).')),
};

export const TokenRequest = Type.Object({
  grant_type: oneOf(['authorization_code', 'refresh_token'], '`authorization_code` redeems a code; `refresh_token` gets a new access token.'),
  ...CLIENT_CREDENTIALS,
  code: optional(text('authorization_code: the code the app received at its redirect URI. Single use, valid for 10 minutes.')),
  redirect_uri: optional(text('authorization_code: the redirect_uri of the authorize request.')),
  code_verifier: optional(text('authorization_code: the PKCE code verifier, when the authorize request had a code_challenge.')),
  refresh_token: optional(text('refresh_token: the refresh token from an earlier token response.')),
  scope: optional(text(`refresh_token: a narrower scope for the new access token (${SCOPE_LIST}). It can never be wider than the grant.`)),
});

export const RevokeRequest = Type.Object({
  token: optional(text('The refresh token or access token to revoke. Revoking a refresh token ends every access token of its grant.')),
  token_type_hint: optional(oneOf(['refresh_token', 'access_token'], 'Accepted and ignored: calbroker recognises the token itself.')),
  refresh_token: optional(text('Accepted instead of token, as the cronofy SDK sends it.')),
  ...CLIENT_CREDENTIALS,
});

export const RegistrationRequest = Type.Object({
  client_name: text('Shown to users on the consent page. 1 to 200 characters.'),
  redirect_uris: Type.Array(Type.String(), {
    description: 'Where users are sent back: 1 to 20 absolute URIs without a fragment, https unless on a loopback host.',
  }),
  token_endpoint_auth_method: optional(
    oneOf(
      ['client_secret_basic', 'client_secret_post', 'none'],
      'How the app authenticates at the token endpoint. Default `client_secret_basic`; `none` registers a public client (PKCE required, no secret).',
    ),
  ),
  rotate_refresh_tokens: optional(Type.Boolean({ description: 'Whether each refresh returns a new refresh token. Always true for public clients.' })),
});

const dayOrTime = 'a date (YYYY-MM-DD) read in tzid, or a time (YYYY-MM-DDTHH:MM:SSZ)';
const flag = (description: string) => optional(oneOf(['true', 'false'], description));

const RANGE = {
  from: optional(text(`Start of the range: ${dayOrTime}. Default 16 days ago.`)),
  to: optional(text(`End of the range (exclusive): ${dayOrTime}. Default 201 days ahead.`)),
  tzid: optional(text('The time zone dates are read in, e.g. `Europe/London`. Default `Etc/UTC`.')),
  'calendar_ids[]': optional(Type.Array(Type.String(), { description: 'Only these calendars (repeat the parameter for each). Default: every calendar.' })),
};

export const EventsQuery = Type.Object({
  ...RANGE,
  include_deleted: flag('Include events deleted upstream, with `deleted: true`.'),
  include_managed: flag('Include the events this app created (managed events).'),
  only_managed: flag('Return only the events this app created.'),
  last_modified: optional(text('Only events changed since this time (YYYY-MM-DDTHH:MM:SSZ).')),
});

export const FreeBusyQuery = Type.Object(RANGE);

const EventTime = Type.Union(
  [Type.String(), Type.Object({ time: Type.String({ description: 'Local (YYYY-MM-DDTHH:MM:SS) or UTC time.' }), tzid: Type.String({ description: 'Time zone of the time.' }) })],
  { description: 'A date (YYYY-MM-DD) for an all-day event, a time (YYYY-MM-DDTHH:MM:SSZ), or {"time", "tzid"}.' },
);

export const EventUpsertRequest = Type.Object({
  event_id: text("The app's own id for the event (at most 1024 characters). Posting the same event_id again updates the event."),
  summary: text('The title (at most 1024 characters).'),
  description: optional(text('At most 4096 characters.')),
  start: EventTime,
  end: EventTime,
  tzid: optional(text('The time zone of start and end when they are plain times. Default `Etc/UTC`.')),
  location: optional(Type.Object({ description: Type.String({ description: 'Where the event takes place.' }) })),
  transparency: optional(oneOf(['opaque', 'transparent'], 'Whether the event makes the user busy (`opaque`) or not.')),
});

export const EventDeleteRequest = Type.Object({
  event_id: optional(text('The app\'s id of an event it created.')),
  event_uid: optional(text('The event_uid of any event, as listed by /v1/events. Used when event_id is not given.')),
});
