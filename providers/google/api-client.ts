// Requests to Google's REST APIs through the core's HTTP client, with Google's error shapes
// mapped onto the contract's error kinds.
import { UpstreamError } from '../contract.js';

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

interface GoogleErrorBody {
  error?: { code?: number; message?: string; errors?: Array<{ reason?: string }> };
}

function retryAfterSeconds(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) ? seconds : undefined;
}

async function errorFor(response: Response): Promise<UpstreamError> {
  const body = (await response.json().catch(() => ({}))) as GoogleErrorBody;
  const reason = body.error?.errors?.[0]?.reason ?? '';
  const message = `Google API: HTTP ${response.status} ${reason}`.trim();
  const options = { status: response.status, retryAfter: retryAfterSeconds(response) };
  if (response.status === 401) return new UpstreamError('unauthorized', message, options);
  if (response.status === 429 || (response.status === 403 && RATE_LIMIT_REASONS.has(reason))) {
    return new UpstreamError('rate_limited', message, options);
  }
  if (response.status === 403) return new UpstreamError('forbidden', message, options);
  if (response.status === 404 || response.status === 410) return new UpstreamError('not_found', message, options);
  if (response.status >= 500) return new UpstreamError('unavailable', message, options);
  return new UpstreamError('invalid_response', message, options);
}

export interface GoogleApi {
  request<T>(method: string, path: string, accessToken: string, body?: unknown): Promise<T>;
}

export function googleApi(apiUrl: URL, fetch: typeof globalThis.fetch): GoogleApi {
  const base = apiUrl.href.replace(/\/+$/, '');
  return {
    async request<T>(method: string, path: string, accessToken: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${accessToken}`,
            accept: 'application/json',
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new UpstreamError('unavailable', `Google API unreachable (${method} ${path.split('?')[0]})`, { cause: error });
      }
      if (!response.ok) throw await errorFor(response);
      if (response.status === 204) return undefined as T;
      try {
        return (await response.json()) as T;
      } catch (error) {
        throw new UpstreamError('invalid_response', 'Google API sent a body that is not JSON', { cause: error });
      }
    },
  };
}
