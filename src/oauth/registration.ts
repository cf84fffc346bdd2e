// App registration, shared by the RFC 7591 endpoint and the operator CLI.
import { InvalidClientMetadata, InvalidRedirectUri } from '../errors.js';
import { redirectUriProblem } from '../http/urls.js';
import { clientMetadata, createApp } from '../storage/apps.js';
import type { Database } from '../storage/database.js';
import type { ClientInformation } from '../schemas/oauth.js';

// The bounds of an app's metadata, shared with the dashboard's forms.
export const MAX_REDIRECT_URIS = 20;
export const MAX_APP_NAME_LENGTH = 200;

export async function registerApp(db: Database, metadata: unknown): Promise<ClientInformation> {
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidClientMetadata('The registration request must be a JSON object');
  }
  const {
    client_name: name,
    redirect_uris: redirectUris,
    token_endpoint_auth_method: authMethod,
    rotate_refresh_tokens: rotate,
  } = metadata as Record<string, unknown>;
  if (typeof name !== 'string' || !name.trim() || name.length > MAX_APP_NAME_LENGTH) {
    throw new InvalidClientMetadata(`client_name is required: a string of 1 to ${MAX_APP_NAME_LENGTH} characters`);
  }
  if (!Array.isArray(redirectUris) || redirectUris.length === 0 || redirectUris.length > MAX_REDIRECT_URIS) {
    throw new InvalidRedirectUri(`redirect_uris is required: an array of 1 to ${MAX_REDIRECT_URIS} URIs`);
  }
  for (const uri of redirectUris) {
    if (typeof uri !== 'string') throw new InvalidRedirectUri('Each redirect URI must be a string');
    const problem = redirectUriProblem(uri);
    if (problem) throw new InvalidRedirectUri(problem);
  }
  if (authMethod !== undefined && authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post' && authMethod !== 'none') {
    throw new InvalidClientMetadata('token_endpoint_auth_method must be client_secret_basic, client_secret_post or none');
  }
  if (rotate !== undefined && typeof rotate !== 'boolean') throw new InvalidClientMetadata('rotate_refresh_tokens must be a boolean');
  const { app, clientSecret } = await createApp(db, {
    name: name.trim(),
    redirectUris: [...new Set(redirectUris as string[])],
    tokenEndpointAuthMethod: authMethod,
    rotateRefreshTokens: rotate,
  });
  const { verified: _verified, ...registered } = clientMetadata(app);
  return clientSecret ? { ...registered, client_secret: clientSecret } : registered;
}
