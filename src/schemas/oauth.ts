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
  access_token: Type.String(),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
  scope: Type.String(),
  account_id: Type.String(),
  sub: Type.String(),
  linking_profile: Type.Optional(LinkingProfile),
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
export const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

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
