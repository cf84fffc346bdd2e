// GOOGLE_* settings, validated when the server starts.
import { ProviderConfigError, type ProviderFactory } from '../contract.js';
import { isLoopbackUrl } from '../../src/http/urls.js';

export interface GoogleSettings {
  clientId: string;
  clientSecret: string;
  issuer: URL;
  apiUrl: URL;
}

export const googleSettingsDoc: ProviderFactory['settings'] = [
  { name: 'GOOGLE_CLIENT_ID', description: 'OAuth client id from Google Cloud console; Google is enabled when this and the secret are set' },
  { name: 'GOOGLE_CLIENT_SECRET', description: 'OAuth client secret from Google Cloud console' },
  { name: 'GOOGLE_ISSUER', description: 'OpenID issuer, discovered with openid-client', default: 'https://accounts.google.com' },
  { name: 'GOOGLE_API_URL', description: 'Calendar API base URL', default: 'https://www.googleapis.com' },
];

function upstreamUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderConfigError(`${name} must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    throw new ProviderConfigError(`${name} must use https (plain http is allowed only for loopback hosts), got "${value}"`);
  }
  return url;
}

export function readGoogleSettings(env: Record<string, string | undefined>): GoogleSettings | undefined {
  const clientId = env.GOOGLE_CLIENT_ID?.trim();
  const clientSecret = env.GOOGLE_CLIENT_SECRET?.trim();
  if (!clientId && !clientSecret) return undefined;
  if (!clientId) throw new ProviderConfigError('GOOGLE_CLIENT_ID is required when GOOGLE_CLIENT_SECRET is set');
  if (!clientSecret) throw new ProviderConfigError('GOOGLE_CLIENT_SECRET is required when GOOGLE_CLIENT_ID is set');
  return {
    clientId,
    clientSecret,
    issuer: upstreamUrl('GOOGLE_ISSUER', env.GOOGLE_ISSUER?.trim() || 'https://accounts.google.com'),
    apiUrl: upstreamUrl('GOOGLE_API_URL', env.GOOGLE_API_URL?.trim() || 'https://www.googleapis.com'),
  };
}
