// Response shapes of the OAuth endpoints. Route schemas and TypeScript types both come from here.
import { Type, type Static } from '@sinclair/typebox';

export const LinkingProfile = Type.Object({
  provider_name: Type.String(),
  profile_id: Type.String(),
  profile_name: Type.String(),
});

/** Cronofy's token response: RFC 6749 fields plus account_id, sub and linking_profile. */
export const TokenResponse = Type.Object({
  token_type: Type.Literal('bearer'),
  access_token: Type.String({ description: 'Send it as `Authorization: Bearer <access token>` to /v1.' }),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires (an hour).' }),
  refresh_token: Type.String({ description: 'Gets new access tokens at this endpoint. Stays the same across refreshes unless the app rotates refresh tokens.' }),
  scope: Type.String({ description: 'The granted scope, space-separated. It may be narrower than requested.' }),
  account_id: Type.String({ description: "The user's calbroker account." }),
  sub: Type.String({ description: 'The same as account_id.' }),
  linking_profile: Type.Optional(Type.Object(LinkingProfile.properties, { description: 'The profile connected in the authorization that created this grant.' })),
});
export type TokenResponse = Static<typeof TokenResponse>;

/** RFC 7591 client information. */
export const ClientInformation = Type.Object({
  client_id: Type.String(),
  client_secret: Type.Optional(Type.String()),
  client_name: Type.String(),
  redirect_uris: Type.Array(Type.String()),
  client_id_issued_at: Type.Integer(),
  client_secret_expires_at: Type.Integer(),
  grant_types: Type.Array(Type.String()),
  response_types: Type.Array(Type.String()),
  token_endpoint_auth_method: Type.String(),
  /** calbroker's extension: whether each refresh returns a new refresh token. */
  rotate_refresh_tokens: Type.Boolean(),
  verified: Type.Optional(Type.Boolean()),
});
export type ClientInformation = Static<typeof ClientInformation>;

/** RFC 6749 section 5.2 error body. */
export const OAuthErrorBody = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { description: 'An RFC 6749 error: `error` is the code, `error_description` says what went wrong.' },
);

/** RFC 8414 metadata. */
export const ServerMetadata = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  revocation_endpoint: Type.String(),
  registration_endpoint: Type.String(),
  scopes_supported: Type.Array(Type.String()),
  response_types_supported: Type.Array(Type.String()),
  response_modes_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
  code_challenge_methods_supported: Type.Array(Type.String()),
  authorization_response_iss_parameter_supported: Type.Boolean(),
});
export type ServerMetadata = Static<typeof ServerMetadata>;
